// What the CPU's floating-point pipes allow, for the README's "what limits the engine" (x86-64 with AVX2):
//   gcc -O2 bench/pipes.c -o /tmp/pipes && /tmp/pipes
// Prints the clock (from a chain of dependent integer adds, one per cycle), the cost of a 256-bit FMA when
// ten independent ones issue per iteration, and what eight other instructions add beside those ten:
// nothing when they run on other pipes, about 4 cycles when they take the FMA pipes' slots. Each figure is
// the fastest of 5 runs of 50 million iterations.
#include <stdio.h>
#include "clock.h"

static double table[64] __attribute__((aligned(64)));
static double ghz;

#define N 50000000L
#define F(r) "vfmadd231pd %%ymm14,%%ymm15," r ";"
#define FMAS                                                                                                    \
    F("%%ymm0") F("%%ymm1") F("%%ymm2") F("%%ymm3") F("%%ymm4") F("%%ymm5") F("%%ymm6") F("%%ymm7") F("%%ymm8") \
    F("%%ymm9")
#define X4(i) i i i i
#define CLOBBER "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
                "xmm12", "xmm13", "xmm14", "xmm15", "memory"
// Sources of every loop: zeros (FMAs of zeros are as fast as any; the gather's index must be 0).
#define ZERO "vxorpd %%ymm13,%%ymm13,%%ymm13; vxorpd %%ymm14,%%ymm14,%%ymm14; vxorpd %%ymm15,%%ymm15,%%ymm15;"
// The fastest of 5 runs of `body` N times, in cycles per iteration.
#define CYCLES(out, body)                                                                      \
    do {                                                                                       \
        out = 1e30;                                                                            \
        for (int run = 0; run < 5; run++) {                                                    \
            long i = N;                                                                        \
            double t = now();                                                                  \
            __asm__ volatile(ZERO "1: " body "dec %0; jnz 1b" : "+r"(i) : "r"(table) : CLOBBER); \
            t = (now() - t) * ghz * 1e9 / N;                                                   \
            if (t < out) out = t;                                                              \
        }                                                                                      \
    } while (0)
#define BESIDE(name, extra)                                                                    \
    do {                                                                                       \
        double c;                                                                              \
        CYCLES(c, FMAS extra);                                                                 \
        printf("10 FMAs + 8 %-16s %5.2f cycles (+%.2f)\n", name, c, c - alone);                \
    } while (0)

int main(void) {
    ghz = clock_ghz(400000000L);
    printf("clock: %.2f GHz\n", ghz);
    for (int i = 0; i < 64; i++) table[i] = 1.0;
    double alone;
    CYCLES(alone, FMAS);
    printf("10 independent FMAs      %5.2f cycles: %.3f each\n", alone, alone / 10);
    BESIDE("vmaxpd", X4("vmaxpd %%ymm13,%%ymm14,%%ymm12; vmaxpd %%ymm13,%%ymm14,%%ymm12;"));
    BESIDE("vaddpd", X4("vaddpd %%ymm13,%%ymm14,%%ymm12; vaddpd %%ymm13,%%ymm14,%%ymm12;"));
    BESIDE("vsubpd (memory)", X4("vsubpd (%1),%%ymm14,%%ymm12; vsubpd 32(%1),%%ymm14,%%ymm12;"));
    BESIDE("vpaddq", X4("vpaddq %%ymm13,%%ymm14,%%ymm12; vpaddq %%ymm13,%%ymm14,%%ymm12;"));
    BESIDE("vmovupd loads", X4("vmovupd (%1),%%ymm12; vmovupd 32(%1),%%ymm12;"));
    BESIDE("vpsllq", X4("vpsllq $52,%%ymm14,%%ymm12; vpsllq $52,%%ymm14,%%ymm12;"));
    BESIDE("vblendvpd", X4("vblendvpd %%ymm13,%%ymm14,%%ymm13,%%ymm12; vblendvpd %%ymm13,%%ymm14,%%ymm13,%%ymm12;"));
    BESIDE("vmovupd stores", X4("vmovupd %%ymm13,64(%1); vmovupd %%ymm14,96(%1);"));
    {
        double c;
        CYCLES(c, FMAS "vpcmpeqq %%ymm12,%%ymm12,%%ymm12; vgatherqpd %%ymm12,(%1,%%ymm13,8),%%ymm11;");
        printf("10 FMAs + 1 vgatherqpd   %5.2f cycles (+%.2f)\n", c, c - alone);
    }
    return 0;
}
