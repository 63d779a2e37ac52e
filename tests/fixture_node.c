/*
 * fixture_node.c - test fixture: a salvo scenario and an offline node
 * configuration (fixture_node.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fixture_dir.h"
#include "fixture_node.h"

void fx_node_write_salvo(const char *path, int n, int gap_s, double dlat_deg) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "{\"name\":\"test\",\"launches\":[");
  for (int i = 0; i < n; i++)
    fprintf(f,
            "%s{\"id\":\"M%d\",\"time_utc\":\"2022-11-18T01:%02d:%02dZ\",\"lat_deg\":%.2f,\"lon_deg\":125.67,"
            "\"azimuth_deg\":72.0,\"apogee_km\":6040.9,\"range_km\":999.2,\"class\":\"ICBM\"}",
            i ? "," : "", i + 1, 15 + (i * gap_s) / 60, (i * gap_s) % 60, 39.2 - dlat_deg * i);
  fprintf(f, "],\"sensors\":\"default\"}\n");
  assert_int_equal(fclose(f), 0);
}

void fx_node_config(mwx_node_config *cfg, const char *nation, const char *sc, const char *journal) {
  mwx_node_config_init(cfg);
  snprintf(cfg->nation, sizeof cfg->nation, "%s", nation);
  if (strchr(sc, '/'))
    snprintf(cfg->scenario, sizeof cfg->scenario, "%s", sc);
  else
    snprintf(cfg->scenario, sizeof cfg->scenario, "%s/scenarios/%s", MWX_SOURCE_DIR, sc);
  snprintf(cfg->policy, sizeof cfg->policy, "%s/config/policy-%s.json", MWX_SOURCE_DIR, nation);
  snprintf(cfg->journal, sizeof cfg->journal, "%s", journal);
}

void fx_node_config_kor(mwx_node_config *cfg, const char *dir, const char *sc) {
  char db[MWX_NODE_PATH_LEN];
  snprintf(db, sizeof db, "%.500s/kor.db", dir);
  fx_node_config(cfg, "KOR", sc, db);
  cfg->journal_plots = 0;
  cfg->sync = MWX_JOURNAL_SYNC_NORMAL;
  cfg->step_s = 0; /* event-driven */
  cfg->launch_fit = 0;
}

void fx_node_salvo_kor(mwx_node_config *cfg, const char *name, const char *file, int n, int gap_s, char *dir,
                       size_t dir_cap) {
  fx_subdir(name, dir, dir_cap);
  char sc[MWX_NODE_PATH_LEN];
  snprintf(sc, sizeof sc, "%.400s/%.100s", dir, file);
  fx_node_write_salvo(sc, n, gap_s, 0.6);
  fx_node_config_kor(cfg, dir, sc);
}
