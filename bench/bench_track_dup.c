/*
 * bench_track_dup.c - confirmed tracks per missile (issue 13: duplicate
 * tracks of one missile in one nation's tracker).
 *
 *   bench_track_dup [SEEDS [NATIONS]]
 *
 * Every scenario of scenarios/ (a file whose JSON is a scenario: launches;
 * 2023-04-13-sensors.json is a laydown and is skipped; salvo-100 only when
 * MWX_BENCH_ONLY names it: 100 missiles) x seeds 1..SEEDS (default 8) x
 * NATIONS (comma-separated, default KOR,JPN,USA,ALL: each node's own tracker
 * and the one of every plot).  One tracker (default configuration, the
 * simulator's plots of that nation: mwx_assess_drive, as the node and mwx
 * track run it), stepped every second to the last impact.
 *
 * Which missile a track is on (evaluation only: the truth): after each step,
 * a track seen CONFIRMED for the first time is given the missile whose true
 * position at the track's estimate time is nearest its estimate, if within
 * FX_MATCH_M, 100 km (else it is counted as on no missile;
 * fx_scenario_tracks_per_missile, tests/fixture_sim.c).  Per missile it counts the
 * tracks ever confirmed on it (1 is right; a missile lost and picked up again
 * after its first track was deleted gives 2 legitimately, so "concurrent"
 * counts the live confirmed tracks on it at one time, each step, and its
 * maximum: 2 or more is a duplicate) and the seconds with 2 or more live.
 *
 * Output: a row per scenario and nation: missiles x seeds, the mean and
 * maximum of confirmed tracks per missile, the runs where every missile had
 * exactly one, the missile-runs with none (a missile never held, or held
 * only by another missile's track: what a rule against duplicates must not
 * cost), the missile-runs with a concurrent duplicate and their
 * seconds, confirmed tracks on no missile.  MWX_BENCH_VERBOSE=1: a line per
 * seed and missile with more than one track (ids, confirmation times).
 */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_sim.h"
#include "mwx/error.h"

#define STEP_NS 1000000000LL
#define MAX_SC 64

typedef struct row {
  int runs, missile_runs;
  long tracks;        /* confirmed tracks on a missile, summed */
  int max_tracks;     /* per missile */
  int runs_one;       /* runs with exactly one per missile */
  int none;           /* missile-runs with no confirmed track */
  int dup_runs;       /* missile-runs with 2+ live confirmed at once */
  long dup_s;         /* missile-seconds with 2+ live confirmed */
  long stray;         /* confirmed on no missile */
} row;

static int is_scenario(const char *name) {
  size_t n = strlen(name);
  return n > 5 && !strcmp(name + n - 5, ".json") && !strstr(name, "-sensors");
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* One run: scenario s, nation, seed; adds into *r. */
static int run_one(const fx_scenario *s, const char *nation, uint64_t seed, int verbose, const char *sc_name,
                   row *r) {
  size_t nm = s->sc.n_launches;
  fx_missile_tracks *per = calloc(nm, sizeof *per);
  long stray = 0;
  if (!per)
    return mwx_error_set(MWX_ENOMEM, "out of memory");
  int rc = fx_scenario_tracks_per_missile(s, nation, seed, s->truth.end_ns + 10 * STEP_NS, per, &stray);
  if (rc) {
    free(per);
    return rc;
  }
  int all_one = 1;
  for (size_t k = 0; k < nm; k++) {
    const fx_missile_tracks *m = &per[k];
    r->missile_runs++;
    r->tracks += m->confirmed;
    if (m->confirmed > r->max_tracks)
      r->max_tracks = m->confirmed;
    if (m->confirmed != 1)
      all_one = 0;
    if (!m->confirmed)
      r->none++;
    if (m->max_live >= 2)
      r->dup_runs++;
    r->dup_s += m->dup_s;
    if (verbose && m->confirmed != 1) {
      printf("  %s %s seed %llu %s: %d confirmed (max %d at once, %ld s):", sc_name, nation,
             (unsigned long long)seed, s->sc.launch[k].id, m->confirmed, m->max_live, m->dup_s);
      for (int i = 0; i < m->confirmed && i < FX_TRACK_IDS; i++)
        printf(" T%u@+%.0fs", m->id[i], (double)(m->t_confirm_ns[i] - s->truth.launch_ns[k]) * 1e-9);
      printf("\n");
    }
  }
  r->runs++;
  r->runs_one += all_one;
  r->stray += stray;
  free(per);
  return 0;
}

int main(int argc, char **argv) {
  int seeds = argc > 1 ? atoi(argv[1]) : 8;
  char nat_buf[128];
  snprintf(nat_buf, sizeof nat_buf, "%s", argc > 2 ? argv[2] : "KOR,JPN,USA,ALL");
  const char *only = getenv("MWX_BENCH_ONLY");
  int verbose = getenv("MWX_BENCH_VERBOSE") && atoi(getenv("MWX_BENCH_VERBOSE"));
  if (seeds < 1) {
    fprintf(stderr, "usage: bench_track_dup [SEEDS [NATIONS]]\n");
    return 2;
  }
  const char *nations[8];
  int nn = 0;
  for (char *tok = strtok(nat_buf, ","); tok && nn < 8; tok = strtok(NULL, ","))
    nations[nn++] = tok;
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/scenarios", MWX_SOURCE_DIR);
  DIR *dp = opendir(dir);
  if (!dp) {
    fprintf(stderr, "bench_track_dup: cannot open %s\n", dir);
    return 1;
  }
  char *names[MAX_SC];
  int ns = 0;
  for (struct dirent *de; (de = readdir(dp)) && ns < MAX_SC;) {
    if (!is_scenario(de->d_name))
      continue;
    if (only ? !strstr(de->d_name, only) : !!strstr(de->d_name, "salvo-100"))
      continue;
    names[ns++] = strdup(de->d_name);
  }
  closedir(dp);
  qsort(names, (size_t)ns, sizeof *names, cmp_str);
  printf("| scenario | nation | missiles x seeds | confirmed per missile: mean, max | runs with 1 per missile | "
         "missile-runs with none | missile-runs with 2+ at once (seconds) | confirmed on no missile |\n"
         "|---|---|---|---|---|---|---|---|\n");
  row tot = {0};
  for (int f = 0; f < ns; f++) {
    fx_scenario s;
    if (fx_scenario_load(names[f], &s)) {
      fprintf(stderr, "bench_track_dup: %s: %s\n", names[f], mwx_error_msg());
      fx_scenario_fini(&s);
      return 1;
    }
    char short_name[64];
    snprintf(short_name, sizeof short_name, "%.*s", (int)(strlen(names[f]) - 5), names[f]);
    for (int a = 0; a < nn; a++) {
      row r = {0};
      for (int sd = 1; sd <= seeds; sd++)
        if (run_one(&s, nations[a], (uint64_t)sd, verbose, short_name, &r)) {
          fprintf(stderr, "bench_track_dup: %s %s seed %d: %s\n", names[f], nations[a], sd, mwx_error_msg());
          fx_scenario_fini(&s);
          return 1;
        }
      printf("| %s | %s | %zu x %d | %.3f, %d | %d of %d | %d | %d (%ld s) | %ld |\n", short_name, nations[a],
             s.sc.n_launches, seeds, r.missile_runs ? (double)r.tracks / r.missile_runs : 0.0, r.max_tracks,
             r.runs_one, r.runs, r.none, r.dup_runs, r.dup_s, r.stray);
      fflush(stdout);
      tot.runs += r.runs, tot.missile_runs += r.missile_runs, tot.tracks += r.tracks, tot.runs_one += r.runs_one;
      tot.dup_runs += r.dup_runs, tot.dup_s += r.dup_s, tot.stray += r.stray, tot.none += r.none;
      if (r.max_tracks > tot.max_tracks)
        tot.max_tracks = r.max_tracks;
    }
    fx_scenario_fini(&s);
    free(names[f]);
  }
  printf("| **all** | | %d missile-runs | %.3f, %d | %d of %d | %d | %d (%ld s) | %ld |\n", tot.missile_runs,
         tot.missile_runs ? (double)tot.tracks / tot.missile_runs : 0.0, tot.max_tracks, tot.runs_one, tot.runs,
         tot.none, tot.dup_runs, tot.dup_s, tot.stray);
  return 0;
}
