/* Which files are case files: the rule of import_case_file.h. */
#include "import_case_file.h"

#include <string.h>
#include <strings.h>

int import_is_case_markdown(const char *name, const void *data, size_t len)
{
    size_t n = strlen(name);
    int is_md = (n > 3 && strcasecmp(name + n - 3, ".md") == 0) ||
                (n > 9 && strcasecmp(name + n - 9, ".markdown") == 0);
    if (!is_md)
        return 1;
    const char *p = data;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        len -= 3;
    }
    return len >= 3 && memcmp(p, "---", 3) == 0;
}
