/*
 * The whole decision from C (level 2 of the C ABI): what `entitle verify
 * --json ARGS...` prints, through one call. Usage, as `entitle verify`:
 *
 *   verify_json --public vendor.public.pem --catalog catalog.signed \
 *               --state-dir /var/lib/entitle @licenses.txt
 *
 * Prints the JSON report (or the JSON error) and exits with the status
 * `entitle verify` would: 0 when a license is usable.
 */
#include <stdio.h>

#include "entitle.h"

int main(int argc, char **argv) {
    char *json = NULL;
    int32_t status = entitle_verify_json((const char *const *)(argv + 1),
                                         (size_t)(argc - 1), &json);
    if (json == NULL) {
        fprintf(stderr, "verify_json: bad arguments (status %d)\n", status);
        return status;
    }
    puts(json);
    entitle_string_free(json);
    return status;
}
