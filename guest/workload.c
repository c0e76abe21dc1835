/*
 * Migration Lab guest workload generator (static, runs as the guest's only program).
 *
 * Follows the lab config's workloads: one thread per vCPU entry given on the kernel command line as
 *   mlw=PATTERN:RATE_MIBPS:OFFSET_MIB:WORKING_SET_MIB:HOT_SET_MIB:HOT_FRACTION
 * (PATTERN idle | uniform | hotspot | sequential, as in src/shared/config/schema.ts). Dirtying a page
 * takes one write, so a thread writes one 8-byte word per 4 KiB page at RATE_MIBPS * 256 pages per
 * second, in 1 ms slices, like guestperf's stress.c paces its writes. mlfill=MIB makes that much
 * memory non-zero first (the working sets lie inside it), for the config's zero-fraction.
 *
 * Every 100 ms it prints on the serial console
 *   ML t=<ms since start> pages=<pages written in the interval> mibps=<achieved MiB/s> gap=<ms>
 * where gap is the time since the previous report; a gap well over 100 ms is the pause the guest
 * saw (stop-and-copy). The lab reads these lines.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define MAX_THREADS 64

struct worker {
  char pattern[16];
  double rate_mibps, offset_mib, ws_mib, hot_mib, hot_frac;
  uint8_t *base;
  uint64_t pages;
  volatile uint64_t written;
};

static struct worker workers[MAX_THREADS];
static int nworkers;
/* mlfill=MIB: memory made non-zero before the workload starts, so the guest has as many
 * non-zero pages as the config's zero-fraction says (untouched guest RAM is zero pages). */
static double fill_mib;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint64_t xorshift(uint64_t *s) {
  uint64_t x = *s;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return *s = x;
}

static void *run(void *arg) {
  struct worker *w = arg;
  uint64_t seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)w;
  uint64_t hot_pages = (uint64_t)(w->hot_mib * 256);
  uint64_t next = 0;
  double pages_per_ms = w->rate_mibps * 256.0 / 1000.0;
  double owed = 0, last = now_ms();
  if (hot_pages == 0 || hot_pages > w->pages) hot_pages = w->pages;
  for (;;) {
    double t = now_ms();
    /* Cap what is owed at 10 ms of writes: after a pause the guest does not catch up in a burst. */
    owed += (t - last) * pages_per_ms;
    if (owed > pages_per_ms * 10) owed = pages_per_ms * 10;
    last = t;
    while (owed >= 1) {
      uint64_t page;
      if (w->pattern[0] == 's') {
        page = next++ % w->pages;
      } else if (w->pattern[0] == 'h') {
        double u = (double)(xorshift(&seed) >> 11) / 9007199254740992.0;
        if (u < w->hot_frac || hot_pages == w->pages) page = xorshift(&seed) % hot_pages;
        else page = hot_pages + xorshift(&seed) % (w->pages - hot_pages);
      } else {
        page = xorshift(&seed) % w->pages;
      }
      *(volatile uint64_t *)(w->base + page * PAGE) = xorshift(&seed);
      w->written++;
      owed -= 1;
    }
    usleep(1000);
  }
  return NULL;
}

static void parse_cmdline(void) {
  char buf[8192];
  FILE *f = fopen("/proc/cmdline", "r");
  if (!f) return;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  for (char *tok = strtok(buf, " \n"); tok && nworkers < MAX_THREADS; tok = strtok(NULL, " \n")) {
    if (strncmp(tok, "mlfill=", 7) == 0) {
      fill_mib = atof(tok + 7);
      continue;
    }
    if (strncmp(tok, "mlw=", 4) != 0) continue;
    struct worker *w = &workers[nworkers];
    if (sscanf(tok + 4, "%15[a-z]:%lf:%lf:%lf:%lf:%lf", w->pattern, &w->rate_mibps, &w->offset_mib,
               &w->ws_mib, &w->hot_mib, &w->hot_frac) == 6)
      nworkers++;
    else
      printf("ML error bad workload %s\n", tok);
  }
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  parse_cmdline();
  /* One region covers every worker's [offset, offset + working set); touched once so the pages
   * are the guest's before migration starts. */
  double end_mib = 0;
  for (int i = 0; i < nworkers; i++)
    if (workers[i].offset_mib + workers[i].ws_mib > end_mib) end_mib = workers[i].offset_mib + workers[i].ws_mib;
  if (fill_mib > end_mib) end_mib = fill_mib;
  size_t bytes = (size_t)(end_mib * 1048576.0);
  uint8_t *mem = NULL;
  if (bytes > 0) {
    mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (mem == MAP_FAILED) {
      printf("ML error cannot map %zu bytes\n", bytes);
      mem = NULL;
      nworkers = 0;
    } else {
      for (size_t off = 0; off < bytes; off += PAGE) mem[off] = 1;
    }
  }
  pthread_t th[MAX_THREADS];
  int started = 0;
  for (int i = 0; i < nworkers; i++) {
    struct worker *w = &workers[i];
    w->base = mem + (size_t)(w->offset_mib * 1048576.0);
    w->pages = (uint64_t)(w->ws_mib * 256);
    if (w->pattern[0] == 'i' || w->pages == 0 || w->rate_mibps <= 0) continue;
    if (pthread_create(&th[started], NULL, run, w) == 0) started++;
  }
  printf("ML ready workers=%d writing=%d mapped-mib=%.0f\n", nworkers, started, end_mib);
  double start = now_ms(), prev = start;
  uint64_t prev_written = 0;
  for (;;) {
    usleep(100000);
    double t = now_ms();
    uint64_t written = 0;
    for (int i = 0; i < nworkers; i++) written += workers[i].written;
    uint64_t d = written - prev_written;
    printf("ML t=%.0f pages=%llu mibps=%.2f gap=%.0f\n", t - start, (unsigned long long)d,
           d / 256.0 / ((t - prev) / 1000.0), t - prev);
    prev = t;
    prev_written = written;
  }
}
