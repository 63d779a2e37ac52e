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

#include "fixture_node.h"

void fx_node_write_salvo(const char *path, int n, int gap_s) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fprintf(f, "{\"name\":\"test\",\"launches\":[");
  for (int i = 0; i < n; i++)
    fprintf(f,
            "%s{\"id\":\"M%d\",\"time_utc\":\"2022-11-18T01:%02d:%02dZ\",\"lat_deg\":%.2f,\"lon_deg\":125.67,"
            "\"azimuth_deg\":72.0,\"apogee_km\":6040.9,\"range_km\":999.2,\"class\":\"ICBM\"}",
            i ? "," : "", i + 1, 15 + (i * gap_s) / 60, (i * gap_s) % 60, 39.2 - 0.6 * i);
  fprintf(f, "],\"sensors\":\"default\"}\n");
  assert_int_equal(fclose(f), 0);
}

void fx_node_config_kor(mwx_node_config *cfg, const char *dir, const char *sc) {
  mwx_node_config_init(cfg);
  strcpy(cfg->nation, "KOR");
  snprintf(cfg->scenario, sizeof cfg->scenario, "%s", sc);
  snprintf(cfg->policy, sizeof cfg->policy, "%s/config/policy-KOR.json", MWX_SOURCE_DIR);
  snprintf(cfg->journal, sizeof cfg->journal, "%s/kor.db", dir);
  cfg->journal_plots = 0;
  cfg->sync = MWX_JOURNAL_SYNC_NORMAL;
  cfg->step_s = 0; /* event-driven */
  cfg->launch_fit = 0;
}
