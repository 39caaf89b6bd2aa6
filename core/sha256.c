/* SHA-256 in hex (libsodium), of bytes and of a file. */
#include "sha256.h"

#include <sodium.h>
#include <unistd.h>

void minga_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(hash, data, len);
    sodium_bin2hex(out, 65, hash, sizeof hash);
}

int minga_sha256_fd(int fd, char out[65])
{
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    unsigned char buf[1 << 16];
    ssize_t r;
    off_t off = 0;
    while ((r = pread(fd, buf, sizeof buf, off)) > 0) {
        crypto_hash_sha256_update(&state, buf, (unsigned long long)r);
        off += r;
    }
    if (r < 0)
        return -1;
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&state, hash);
    sodium_bin2hex(out, 65, hash, sizeof hash);
    return 0;
}
