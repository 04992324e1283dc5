/*
 * The license check of an appliance's boot, in C: verify the license tokens
 * against the vendor key compiled in, add up their seats, and print one
 * line per pool and one per token. No allocation in entitle; this program
 * allocates nothing either.
 *
 *   entitle key export --public vendor.public.pem --format c > vendor_key.h
 *   cc -I include -I . examples/c/boot_check.c target/release/libentitle_ffi.a \
 *      -lpthread -ldl -lm -o boot_check
 *   ./boot_check tokens.txt 1800000000
 *
 * Output (docs/embedding.md):
 *   pool <product> <edition> <tenant or -> <named|concurrent> seats <usable> bought <bought> cap <cap or ->
 *   token <line> <status code> <status text>
 * Exit status: 0 when some pool has usable seats, 1 when none, 2 on bad use.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entitle.h"
#include "vendor_key.h"

#define MAX_LINE 2048

static char lines[ENTITLE_MAX_STACK][MAX_LINE];
static const uint8_t *texts[ENTITLE_MAX_STACK];
static size_t lens[ENTITLE_MAX_STACK];
static int line_numbers[ENTITLE_MAX_STACK];
static uint8_t bufs[ENTITLE_MAX_STACK * ENTITLE_MAX_TOKEN_BYTES];
static int32_t statuses[ENTITLE_MAX_STACK];
static EntitlePool pools[16];

static void print_str(EntitleStr s) {
    if (s.ptr == NULL) {
        fputs("-", stdout);
    } else {
        fwrite(s.ptr, 1, s.len, stdout);
    }
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s TOKENS-FILE NOW-UNIX-SECONDS\n", argv[0]);
        return 2;
    }
    FILE *file = fopen(argv[1], "r");
    if (file == NULL) {
        perror(argv[1]);
        return 2;
    }
    uint64_t now = strtoull(argv[2], NULL, 10);
    size_t count = 0;
    int number = 0;
    char line[MAX_LINE];
    while (fgets(line, sizeof line, file) != NULL) {
        number++;
        size_t len = strcspn(line, "\r\n");
        line[len] = '\0';
        if (strncmp(line, "ent1.", 5) != 0) {
            continue; /* comments, blank lines */
        }
        if (count == ENTITLE_MAX_STACK) {
            fprintf(stderr, "more than %d tokens\n", ENTITLE_MAX_STACK);
            fclose(file);
            return 2;
        }
        memcpy(lines[count], line, len + 1);
        texts[count] = (const uint8_t *)lines[count];
        lens[count] = len;
        line_numbers[count] = number;
        count++;
    }
    fclose(file);

    size_t pool_count = 0;
    int32_t status = entitle_stack(texts, lens, count, ENTITLE_VENDOR_KEY, 1, now, bufs, statuses,
                                   pools, sizeof pools / sizeof pools[0], &pool_count);
    if (status != ENTITLE_STATUS_OK) {
        fprintf(stderr, "entitle_stack: %s\n", (const char *)entitle_strerror(status));
        return 2;
    }
    int usable = 0;
    for (size_t i = 0; i < pool_count; i++) {
        EntitlePool *p = &pools[i];
        fputs("pool ", stdout);
        print_str(p->product);
        putchar(' ');
        print_str(p->edition);
        putchar(' ');
        print_str(p->tenant);
        printf(" %s seats %llu bought %llu cap ", p->model ? "concurrent" : "named",
               (unsigned long long)p->seats, (unsigned long long)p->seats_bought);
        if (p->has_cap) {
            printf("%u\n", (unsigned)p->cap);
        } else {
            puts("-");
        }
        if (p->seats > 0) {
            usable = 1;
        }
    }
    for (size_t i = 0; i < count; i++) {
        printf("token %d %d %s\n", line_numbers[i], (int)statuses[i],
               (const char *)entitle_strerror(statuses[i]));
    }
    return usable ? 0 : 1;
}
