/* compact: Xapian's compaction of the index, online (minga_compact). */
#include "cli.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int run_compact(struct cli *cli, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return cli_usage_error(&cmd_compact, "takes no arguments");
    struct minga *m = cli_open(cli, 0);
    if (!m)
        return EXIT_FAIL;
    char *err = NULL;
    uint64_t before = 0, after = 0;
    int rc = minga_compact(m, &before, &after, &err);
    if (rc)
        cli_fail("%s", err ? err : "compaction failed");
    else
        printf("compacted the index: %" PRIu64 " KiB -> %" PRIu64 " KiB\n",
               before / 1024, after / 1024);
    free(err);
    minga_close(m);
    return rc ? EXIT_FAIL : EXIT_OK;
}

const struct cli_command cmd_compact = {
    "compact", "compact the index (searches go on)",
    "usage: minga compact\n\n"
    "Writes a compacted copy of the index beside it and swaps it in\n"
    "atomically; searches, in this process or a server, go on and see the\n"
    "copy at their next search. Imports wait until it ends. Needs free\n"
    "disk space of about the index's size. `minga reindex` runs it too.\n",
    run_compact};
