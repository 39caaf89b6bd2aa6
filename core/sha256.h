/*
 * The SHA-256 digests minga names contents by (attachments, imported
 * files, harvested pages), as 64 lower-case hex digits and a NUL.
 */
#ifndef MINGA_SHA256_H
#define MINGA_SHA256_H

#include <stddef.h>

void minga_sha256_hex(const void *data, size_t len, char out[65]);
/* The digest of everything fd holds, read with pread from offset 0 (the
 * file position is left alone). Returns 0, or -1 when a read failed. */
int minga_sha256_fd(int fd, char out[65]);

#endif
