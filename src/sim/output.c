/*
 * output.c - the writing side of the sim module: running a whole scenario
 * into per-sensor plot files and a truth file (CSV, format in docs/sim.md),
 * the visibility table (who could see and who detected each missile, and
 * when), and its text and JSON forms.  Numbers are printed with fixed formats
 * so the same run gives the same bytes.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mwx/error.h"
#include "sim_int.h"

static const char *phase_name(mwx_ballistic_phase p) {
  switch (p) {
  case MWX_PHASE_BOOST: return "boost";
  case MWX_PHASE_MIDCOURSE: return "midcourse";
  case MWX_PHASE_TERMINAL: return "terminal";
  }
  return "unknown";
}

int mwx_sim_write_truth_csv(FILE *f, const mwx_sim_scenario *sc, const mwx_sim_truth *truth,
                            double step_s) {
  if (!(step_s > 0.0) || truth->n != sc->n_launches)
    return mwx_error_set(MWX_EINVAL, "truth csv: step must be > 0 and truth match the scenario");
  fprintf(f, "missile_id,missile,time_ns,time_utc,t_s,x_m,y_m,z_m,vx_mps,vy_mps,vz_mps,"
             "lat_deg,lon_deg,h_m,phase,powered\n");
  for (size_t m = 0; m < truth->n; m++) {
    double ft = truth->traj[m].fig.flight_time_s;
    long nsteps = (long)floor(ft / step_s);
    for (long i = 0; i <= nsteps + 1; i++) {
      double t_s = i <= nsteps ? (double)i * step_s : ft;
      if (i == nsteps + 1 && t_s <= (double)nsteps * step_s)
        break;
      /* the last sample is the impact: truncate so it stays inside the flight */
      int64_t t_ns = truth->launch_ns[m] + (i <= nsteps ? (int64_t)llround(t_s * 1e9)
                                                        : (int64_t)(t_s * 1e9));
      mwx_sim_truth_state st;
      int rc = mwx_sim_truth_at(truth, m, t_ns, &st);
      if (rc)
        return rc;
      if (!st.in_flight)
        continue;
      char ts[40];
      mwx_sim_time_format(t_ns, ts, sizeof ts);
      fprintf(f, "%s,%zu,%lld,%s,%.3f,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f,%.7f,%.7f,%.3f,%s,%d\n",
              sc->launch[m].id, m, (long long)t_ns, ts, st.t_s, st.pos_ecef_m[0], st.pos_ecef_m[1],
              st.pos_ecef_m[2], st.vel_ecef_mps[0], st.vel_ecef_mps[1], st.vel_ecef_mps[2],
              st.lla.lat_deg, st.lla.lon_deg, st.lla.h_m, phase_name(st.phase), st.powered ? 1 : 0);
    }
  }
  return ferror(f) ? mwx_error_set(MWX_EIO, "truth csv: write error") : 0;
}

static void write_plot(FILE *f, const mwx_sim_scenario *sc, const mwx_sim_plot *p) {
  char ts[40];
  mwx_sim_time_format(p->time_ns, ts, sizeof ts);
  fprintf(f,
          "%lld,%s,%s,%s,%s,%d,%.2f,%.6f,%.6f,%.2f,%.5f,%.5f,%.9f,%.9f,%.9f,%.3e,"
          "%.2f,%.2f,%.2f,%.3f,%.3f,%.3f,%d,%s\n",
          (long long)p->time_ns, ts, p->sensor_id, p->nation,
          p->kind == MWX_SIM_PLOT_RADAR ? "radar" : "ir", p->face, p->range_m, p->az_deg, p->el_deg,
          p->sigma_range_m, p->sigma_az_deg, p->sigma_el_deg, p->los_ecef[0], p->los_ecef[1],
          p->los_ecef[2], p->sigma_los_rad, p->sensor_pos_ecef_m[0], p->sensor_pos_ecef_m[1],
          p->sensor_pos_ecef_m[2], p->sensor_vel_ecef_mps[0], p->sensor_vel_ecef_mps[1],
          p->sensor_vel_ecef_mps[2], p->truth.missile,
          p->truth.missile >= 0 ? sc->launch[p->truth.missile].id : "");
}

typedef struct run_ctx {
  const mwx_sim_scenario *sc;
  mwx_sim_vis_row *rows;
  FILE **files; /* per sensor, or NULL */
} run_ctx;

static void look_hook(void *vctx, int missile, int sensor, double t_s, int visible, int detected) {
  run_ctx *c = vctx;
  mwx_sim_vis_row *r = &c->rows[(size_t)missile * c->sc->n_sensors + (size_t)sensor];
  if (visible) {
    if (!r->visible)
      r->first_visible_s = t_s;
    r->visible = true;
    r->last_visible_s = t_s;
  }
  if (detected) {
    if (!r->detected)
      r->first_detect_s = t_s;
    r->detected = true;
    r->last_detect_s = t_s;
  }
}

static int plot_cb(const mwx_sim_plot *p, void *vctx) {
  run_ctx *c = vctx;
  if (c->files)
    write_plot(c->files[p->sensor_index], c->sc, p);
  return 0;
}

static const char plot_header[] =
    "time_ns,time_utc,sensor_id,nation,kind,face,range_m,az_deg,el_deg,sigma_range_m,"
    "sigma_az_deg,sigma_el_deg,los_x,los_y,los_z,sigma_los_rad,sensor_x_m,sensor_y_m,sensor_z_m,"
    "sensor_vx_mps,sensor_vy_mps,sensor_vz_mps,truth_missile,truth_id\n";

static int open_out(const char *dir, const char *name, FILE **f) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  *f = fopen(path, "w");
  if (!*f)
    return mwx_error_set(MWX_EIO, "%s: cannot create: %s", path, strerror(errno));
  return 0;
}

/* mkdir -p */
static int make_dirs(const char *dir) {
  char path[1024];
  snprintf(path, sizeof path, "%s", dir);
  for (char *q = path + 1; *q; q++)
    if (*q == '/') {
      *q = 0;
      if (mkdir(path, 0777) && errno != EEXIST)
        return mwx_error_set(MWX_EIO, "%s: cannot create directory: %s", path, strerror(errno));
      *q = '/';
    }
  if (mkdir(path, 0777) && errno != EEXIST)
    return mwx_error_set(MWX_EIO, "%s: cannot create directory: %s", path, strerror(errno));
  return 0;
}

static void file_name(const char *id, char *out, size_t size) {
  snprintf(out, size, "plots_%s.csv", id);
  for (char *q = out; *q; q++)
    if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
          *q == '-' || *q == '_' || *q == '.'))
      *q = '_';
}

int mwx_sim_run(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, uint64_t seed,
                const char *out_dir, mwx_sim_vis_row **rows_out, size_t *n_out) {
  size_t nrows = sc->n_launches * sc->n_sensors;
  run_ctx c = {sc, calloc(nrows ? nrows : 1, sizeof(mwx_sim_vis_row)), NULL};
  mwx_sim_source *src = NULL;
  FILE *tf = NULL;
  int rc = 0;
  if (!c.rows)
    return mwx_error_set(MWX_ENOMEM, "sim: out of memory");
  for (size_t m = 0; m < sc->n_launches; m++)
    for (size_t k = 0; k < sc->n_sensors; k++) {
      mwx_sim_vis_row *r = &c.rows[m * sc->n_sensors + k];
      r->missile = (int)m;
      r->sensor = (int)k;
      memcpy(r->missile_id, sc->launch[m].id, sizeof r->missile_id);
      memcpy(r->sensor_id, sc->sensor[k].id, sizeof r->sensor_id);
      memcpy(r->nation, sc->sensor[k].nation, sizeof r->nation);
    }
  if (out_dir) {
    if ((rc = make_dirs(out_dir)))
      goto out;
    if (!(c.files = calloc(sc->n_sensors, sizeof *c.files))) {
      rc = mwx_error_set(MWX_ENOMEM, "sim: out of memory");
      goto out;
    }
    for (size_t k = 0; k < sc->n_sensors; k++) {
      char name[96];
      file_name(sc->sensor[k].id, name, sizeof name);
      if ((rc = open_out(out_dir, name, &c.files[k])))
        goto out;
      fputs(plot_header, c.files[k]);
    }
    if ((rc = open_out(out_dir, "truth.csv", &tf)) ||
        (rc = mwx_sim_write_truth_csv(tf, sc, truth, 1.0)))
      goto out;
  }
  if ((rc = mwx_sim_source_init(&src, sc, truth, seed)))
    goto out;
  sim_source_set_look_hook(src, look_hook, &c);
  rc = mwx_sim_source_advance(src, INT64_MAX, plot_cb, &c);
out:
  mwx_sim_source_fini(src);
  if (tf && fclose(tf) && !rc)
    rc = mwx_error_set(MWX_EIO, "%s/truth.csv: write error", out_dir);
  if (c.files) {
    for (size_t k = 0; k < sc->n_sensors; k++)
      if (c.files[k] && (ferror(c.files[k]) | fclose(c.files[k])) && !rc)
        rc = mwx_error_set(MWX_EIO, "%s: write error on the plots of %s", out_dir,
                           sc->sensor[k].id);
    free(c.files);
  }
  if (!rc && rows_out) {
    *rows_out = c.rows;
    if (n_out)
      *n_out = nrows;
  } else {
    free(c.rows);
  }
  return rc;
}

int mwx_sim_visibility(const mwx_sim_scenario *sc, const mwx_sim_truth *truth, uint64_t seed,
                       mwx_sim_vis_row **rows, size_t *n) {
  return mwx_sim_run(sc, truth, seed, NULL, rows, n);
}

static void json_str(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\')
      fprintf(f, "\\%c", ch);
    else if (ch < 0x20)
      fprintf(f, "\\u%04x", ch);
    else
      fputc(ch, f);
  }
  fputc('"', f);
}

static void json_time(FILE *f, bool have, double t_s) {
  if (have)
    fprintf(f, "%.3f", t_s);
  else
    fputs("null", f);
}

static void text_time(FILE *f, bool have, double t_s) {
  if (have)
    fprintf(f, " %10.1f", t_s);
  else
    fprintf(f, " %10s", "-");
}

int mwx_sim_write_visibility(FILE *f, const mwx_sim_vis_row *rows, size_t n, bool json) {
  if (json) {
    fputs("{\"visibility\":[", f);
    for (size_t i = 0; i < n; i++) {
      const mwx_sim_vis_row *r = &rows[i];
      fputs(i ? ",\n{\"missile\":" : "\n{\"missile\":", f);
      json_str(f, r->missile_id);
      fputs(",\"sensor\":", f);
      json_str(f, r->sensor_id);
      fputs(",\"nation\":", f);
      json_str(f, r->nation);
      fputs(",\"first_visible_s\":", f);
      json_time(f, r->visible, r->first_visible_s);
      fputs(",\"last_visible_s\":", f);
      json_time(f, r->visible, r->last_visible_s);
      fputs(",\"first_detect_s\":", f);
      json_time(f, r->detected, r->first_detect_s);
      fputs(",\"last_detect_s\":", f);
      json_time(f, r->detected, r->last_detect_s);
      fputc('}', f);
    }
    fputs("\n]}\n", f);
  } else {
    fprintf(f, "%-10s %-22s %-6s %10s %10s %10s %10s   (seconds after launch)\n", "missile",
            "sensor", "nation", "first_vis", "last_vis", "first_det", "last_det");
    for (size_t i = 0; i < n; i++) {
      const mwx_sim_vis_row *r = &rows[i];
      if (!r->visible && !r->detected)
        continue;
      fprintf(f, "%-10s %-22s %-6s", r->missile_id, r->sensor_id, r->nation);
      text_time(f, r->visible, r->first_visible_s);
      text_time(f, r->visible, r->last_visible_s);
      text_time(f, r->detected, r->first_detect_s);
      text_time(f, r->detected, r->last_detect_s);
      fputc('\n', f);
    }
  }
  return ferror(f) ? mwx_error_set(MWX_EIO, "visibility table: write error") : 0;
}
