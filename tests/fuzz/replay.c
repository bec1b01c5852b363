/* Plain driver for the fuzz targets: feeds each file named on the command
 * line (directories are walked one level) to LLVMFuzzerTestOneInput once.
 * Built with any compiler, so ctest replays the corpus in every CI run
 * (under ASan/UBSan in the sanitizer build). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        if (f == NULL) {
                fprintf(stderr, "replay: cannot open %s\n", path);
                return 1;
        }
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0;
        for (;;) {
                if (len == cap) {
                        cap = cap ? cap * 2 : 4096;
                        uint8_t *nb = realloc(buf, cap);
                        if (nb == NULL) {
                                free(buf);
                                fclose(f);
                                return 1;
                        }
                        buf = nb;
                }
                size_t n = fread(buf + len, 1, cap - len, f);
                if (n == 0)
                        break;
                len += n;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        return 0;
}

int main(int argc, char **argv)
{
        unsigned files = 0;
        int rc = 0;
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) != 0) {
                        fprintf(stderr, "replay: %s: not found\n", argv[i]);
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        rc |= run_file(argv[i]);
                        files++;
                        continue;
                }
                DIR *d = opendir(argv[i]);
                struct dirent *de;
                while (d && (de = readdir(d)) != NULL) {
                        if (de->d_name[0] == '.')
                                continue;
                        char p[4096];
                        snprintf(p, sizeof p, "%s/%s", argv[i], de->d_name);
                        rc |= run_file(p);
                        files++;
                }
                if (d)
                        closedir(d);
        }
        printf("replayed %u inputs\n", files);
        return rc || files == 0;
}
