// bench/kernel's timer: runs kernels dumped by DOWNHILL_JIT_DUMP (assembled into kernels.s by bench/kernel) on
// one block of starts, each 2000 times per round and the kernels in turn for 400 rounds, and prints each
// one's fastest round: the compiled gradient alone, with nothing of the engine around it. Build and run through
// bench/kernel.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

typedef void (*Kernel)(void *regs, unsigned long vectors, const void *consts, const void *program);
// From bench/kernel: the kernels, their names, their constant tables and whether each is f32.
#include "kernels.h"

#define B 32 // vectors per block, as the engine's
static char regs[32 * 1024 * 4] __attribute__((aligned(64)));
static char consts[sizeof names / sizeof names[0]][8192] __attribute__((aligned(64)));

int main(void) {
    int count = sizeof names / sizeof names[0];
    for (int k = 0; k < count; k++) {
        FILE *f = fopen(tables[k], "rb");
        if (!f || fread(consts[k], 1, sizeof consts[k], f) == 0) {
            fprintf(stderr, "cannot read %s\n", tables[k]);
            return 2;
        }
        fclose(f);
    }
    double ghz = clock_ghz(100000000L);
    double fastest[64];
    for (int k = 0; k < count; k++) fastest[k] = 1e30;
    for (int round = 0; round < 400; round++) {
        for (int k = 0; k < count; k++) {
            // The reference grid's first block: x and y on [-3,3] in steps of 6/31, as the engine's bench has it.
            int lanes = f32[k] ? 8 : 4;
            memset(regs, 0, sizeof regs);
            for (int i = 0; i < B * lanes; i++) {
                double x = -3 + 6.0 * (i % 32) / 31.0, y = -3 + 6.0 * (i / 32) / 31.0;
                if (f32[k]) {
                    ((float *)regs)[i] = x;
                    ((float *)(regs + 32 * B))[i] = y;
                } else {
                    ((double *)regs)[i] = x;
                    ((double *)(regs + 32 * B))[i] = y;
                }
            }
            double t = now();
            for (int r = 0; r < 2000; r++) kernels[k](regs, B, consts[k], 0);
            t = (now() - t) / (2000.0 * B);
            if (t < fastest[k]) fastest[k] = t;
        }
    }
    printf("clock %.2f GHz; fastest of 400 rounds\n", ghz);
    for (int k = 0; k < count; k++) {
        int lanes = f32[k] ? 8 : 4;
        printf("%-40s %6.3f ns per point  %5.1f cycles per %d-lane vector\n", names[k], fastest[k] * 1e9 / lanes,
               fastest[k] * ghz * 1e9, lanes);
    }
    return 0;
}
