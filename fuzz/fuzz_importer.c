/*
 * libFuzzer target for one importer plugin, built once per importer:
 * FUZZ_NAMES is the list of file names each input is imported as (the
 * name picks the importer and, for JSON, plain or JSON Lines), and
 * FUZZ_USE_FD makes it go through import_fd (a memfd) instead of
 * import_buffer.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_host.h"

#ifndef FUZZ_USE_FD
#define FUZZ_USE_FD 0
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_host_init();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {FUZZ_NAMES};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (FUZZ_USE_FD)
            fuzz_host_import_fd(names[i], data, size);
        else
            fuzz_host_import(names[i], data, size);
    }
    return 0;
}
