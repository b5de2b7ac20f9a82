// Estimates the effective core clock and the peak f32 FMA throughput of this machine.
// Build & run:  gcc -O2 -funroll-loops -mavx512f -mfma -pthread clock_probe.c -o /tmp/clock_probe && /tmp/clock_probe
// 1) clock: a chain of dependent 64-bit adds (1 cycle each) -> GHz, on 1 thread and on 2 threads.
// 2) peak: 12 (AVX2, 256-bit) or 16 (AVX-512, 512-bit) independent FMA accumulators,
//    on 1 and on 2 threads -> GFLOP/s (1 FMA = 2 FLOP per lane).
// Copied from the project's shared tools for benches/compare (the driver compiles and runs it
// to print the machine's peak). One change: the AVX-512 line is skipped on a CPU without
// AVX-512F (it would die of SIGILL there), checked with __builtin_cpu_supports.
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define ITERS 200000000L

static void *add_chain(void *out) {
    double t = now();
    unsigned long x = 0;
    for (long i = 0; i < ITERS; i++) {
        __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\t"
                         "add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0"
                         : "+r"(x));
    }
    *(double *)out = 8.0 * ITERS / (now() - t) / 1e9;  // GHz
    return NULL;
}

#define FITERS 50000000L
static void *fma512(void *out) {
    __m512 a[16], b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < 16; i++) a[i] = _mm512_set1_ps((float)i);
    double t = now();
    for (long n = 0; n < FITERS; n++) {
        for (int i = 0; i < 16; i++) a[i] = _mm512_fmadd_ps(a[i], b, c);
    }
    double dt = now() - t;
    float s = 0;
    for (int i = 0; i < 16; i++) s += _mm512_reduce_add_ps(a[i]);
    *(double *)out = 16.0 * 16 * 2 * FITERS / dt / 1e9 + 0 * s;
    return NULL;
}

static void *fma256(void *out) {  // 12 accumulators: 16 + 2 would spill (only 16 ymm regs in AVX2)
    __m256 a[12], b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps((float)i);
    double t = now();
    for (long n = 0; n < FITERS; n++) {
        for (int i = 0; i < 12; i++) a[i] = _mm256_fmadd_ps(a[i], b, c);
    }
    double dt = now() - t;
    float tmp[8], s = 0;
    for (int i = 0; i < 12; i++) { _mm256_storeu_ps(tmp, a[i]); s += tmp[0]; }
    *(double *)out = 12.0 * 8 * 2 * FITERS / dt / 1e9 + 0 * s;
    return NULL;
}

static void run(const char *name, void *(*f)(void *), const char *unit) {
    double r1, r2[2];
    f(&r1);  // warm-up
    f(&r1);
    pthread_t th[2];
    for (int i = 0; i < 2; i++) pthread_create(&th[i], NULL, f, &r2[i]);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    printf("%-28s 1 thread: %7.2f %s   2 threads: %7.2f + %7.2f = %7.2f %s\n", name, r1, unit, r2[0],
           r2[1], r2[0] + r2[1], unit);
}

int main(void) {
    run("dependent-add clock", add_chain, "GHz");
    run("AVX2 256-bit FMA f32", fma256, "GFLOP/s");
    if (__builtin_cpu_supports("avx512f"))
        run("AVX-512 512-bit FMA f32", fma512, "GFLOP/s");
    else
        printf("AVX-512 512-bit FMA f32     not supported by this CPU\n");
    return 0;
}
