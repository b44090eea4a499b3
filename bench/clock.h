// Timing shared by bench/pipes.c and bench/kernel.c.
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// The core's clock in GHz, from a chain of dependent integer additions (one per cycle): 4n of them, the
// fastest of 5 runs.
static double clock_ghz(long n) {
    double best = 1e30;
    for (int run = 0; run < 5; run++) {
        long left = n, x = 0;
        double t = now();
        __asm__ volatile("1: add $1,%0; add $1,%0; add $1,%0; add $1,%0; sub $1,%1; jnz 1b" : "+r"(x), "+r"(left));
        t = now() - t;
        if (t < best) best = t;
    }
    return 4.0 * n / best / 1e9;
}
