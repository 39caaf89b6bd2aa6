/*
 * mindex_compact: Xapian's compaction, swapped in while readers search.
 *
 * The swap: each shard "shardI" (or "shardI.cC") is compacted into
 * "shardI.cC+1" beside it, every file of the copy is fsynced, and then
 * SHARDS_FILE is rewritten to name C+1, written aside, fsynced and
 * renamed over the old one (rename(2) is atomic), and the folder is
 * fsynced. A crash before the rename leaves the old name, whose folders
 * are untouched; after it, the new one, whose folders are complete. The
 * folders no longer named (the old ones, or half-written copies of a
 * compaction that died) are removed afterwards, and at the start of the
 * next compaction. Readers watch SHARDS_FILE with the version files
 * (mindex::relayout): the next search after the rename opens the new
 * folders; a search already running keeps the old ones, whose open files
 * outlive their removal.
 *
 * The caller holds the data folder's writer lock, so no import writes
 * during the compaction. The spelling database is left as it is.
 */
#include "mindex.h"
#include "mindex_internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

using namespace mindex_impl;

namespace
{

/* Bytes of the regular files under path (not following links). */
uint64_t tree_bytes(const std::string &path)
{
    struct stat st;
    if (lstat(path.c_str(), &st) != 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    uint64_t sum = 0;
    DIR *d = opendir(path.c_str());
    if (!d)
        return 0;
    while (struct dirent *e = readdir(d)) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        sum += tree_bytes(path + "/" + e->d_name);
    }
    closedir(d);
    return sum;
}

void fsync_path(const std::string &path)
{
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw Xapian::DatabaseError("cannot open " + path + ": " +
                                    strerror(errno));
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc != 0)
        throw Xapian::DatabaseError("cannot sync " + path + ": " +
                                    strerror(e));
}

/* Makes a folder's files and the folder itself durable. */
void fsync_tree(const std::string &dir)
{
    DIR *d = opendir(dir.c_str());
    if (!d)
        throw Xapian::DatabaseError("cannot read " + dir + ": " +
                                    strerror(errno));
    std::vector<std::string> files;
    while (struct dirent *e = readdir(d)) {
        if (e->d_name[0] != '.')
            files.push_back(dir + "/" + e->d_name);
    }
    closedir(d);
    for (const std::string &f : files)
        fsync_path(f);
    fsync_path(dir);
}

/* Whether name is a shard folder's: "shard<digits>" or
 * "shard<digits>.c<digits>". */
bool is_shard_name(const char *name)
{
    if (strncmp(name, "shard", 5) != 0)
        return false;
    const char *p = name + 5;
    if (!*p || !isdigit((unsigned char)*p))
        return false;
    while (isdigit((unsigned char)*p))
        p++;
    if (!*p)
        return true;
    if (p[0] != '.' || p[1] != 'c' || !isdigit((unsigned char)p[2]))
        return false;
    for (p += 2; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

} // namespace

void mindex_impl::remove_tree(const std::string &path)
{
    struct stat st;
    if (lstat(path.c_str(), &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        if (DIR *d = opendir(path.c_str())) {
            while (struct dirent *e = readdir(d)) {
                if (strcmp(e->d_name, ".") == 0 ||
                    strcmp(e->d_name, "..") == 0)
                    continue;
                remove_tree(path + "/" + e->d_name);
            }
            closedir(d);
        }
        rmdir(path.c_str());
    } else {
        unlink(path.c_str());
    }
}

void mindex_impl::remove_unnamed(const std::string &dir, int count,
                                 unsigned compaction)
{
    std::set<std::string> named;
    for (int i = 0; i < count; i++)
        named.insert(shard_path(dir, i, compaction));
    std::vector<std::string> drop;
    DIR *d = opendir(dir.c_str());
    if (!d)
        return;
    while (struct dirent *e = readdir(d)) {
        if (!is_shard_name(e->d_name))
            continue;
        std::string p = dir + "/" + e->d_name;
        if (!named.count(p))
            drop.push_back(p);
    }
    closedir(d);
    for (const std::string &p : drop)
        remove_tree(p);
}

void mindex_impl::swap_layout(const std::string &dir, int count,
                              unsigned compaction)
{
    for (int i = 0; i < count; i++)
        fsync_tree(shard_path(dir, i, compaction));
    fsync_path(dir);
    write_shard_count(dir, count, compaction); /* the swap */
    fsync_path(dir);
    remove_unnamed(dir, count, compaction);
}

extern "C" int mindex_compact(const char *dir, uint64_t *bytes_before,
                              uint64_t *bytes_after, char **errmsg)
{
    if (!dir) {
        set_errmsg(errmsg, "index compact: no index folder");
        return MINGA_EINVAL;
    }
    return guard(errmsg, "index compact", [&]() -> int {
        const std::string d = dir;
        if (is_single_database(d)) {
            set_errmsg(errmsg, "index compact: " + d +
                                   " is an index of the layout before "
                                   "shards; run `minga reindex` first");
            return MINGA_EINVAL;
        }
        unsigned c = 0;
        int n = read_shard_count(d, &c);
        if (n == 0) {
            set_errmsg(errmsg, "index compact: no index in " + d);
            return MINGA_ENOTFOUND;
        }
        remove_unnamed(d, n, c); /* a compaction that died */
        uint64_t before = 0;
        for (int i = 0; i < n; i++)
            before += tree_bytes(shard_path(d, i, c));
        const unsigned next = c + 1;
        for (int i = 0; i < n; i++) {
            const std::string from = shard_path(d, i, c);
            const std::string to = shard_path(d, i, next);
            remove_tree(to);
            Xapian::Database src(from);
            /* the same docids: ties rank by docid, and the facet table
             * and the match sets are indexed by them */
            src.compact(to, Xapian::DBCOMPACT_NO_RENUMBER |
                                Xapian::Compactor::FULL);
            fsync_tree(to);
        }
        fsync_path(d);
        write_shard_count(d, n, next); /* the swap */
        fsync_path(d);
        remove_unnamed(d, n, next);
        uint64_t after = 0;
        for (int i = 0; i < n; i++)
            after += tree_bytes(shard_path(d, i, next));
        if (bytes_before)
            *bytes_before = before;
        if (bytes_after)
            *bytes_after = after;
        return 0;
    });
}
