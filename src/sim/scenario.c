/*
 * scenario.c - reading scenarios and sensor laydowns (JSON, via Jansson) and
 * UTC time stamps.  The only reading I/O of the sim module.
 *
 * Every rejected value produces a message "<file>: <key path>: <what is
 * wrong>", the key path written as in JavaScript (launches[3].apogee_km,
 * sensors[0].faces[1].el_max_deg) so the user can find it.  Unknown keys are
 * rejected too: a misspelt optional key would otherwise be silently ignored.
 *
 * Files are read through mwx_json_load_file (a regular file of at most
 * MWX_SIM_MAX_FILE_BYTES, duplicate keys refused), ids are held to the id
 * character set of mwx/text.h, other strings may hold no control character,
 * and the limits of sim.h (launches, sensors, launch span, plot rate and
 * plots per run) are checked here, so that no file can ask for a run without
 * end.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mwx/assess.h" /* MWX_ASSESS_MAX_FLIGHT_S only (a constant, no call) */
#include "mwx/error.h"
#include "mwx/json.h"
#include "mwx/sim.h"
#include "mwx/text.h"

/* ---- Time ------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  /* H. Hinnant, "chrono-Compatible Low-Level Date Algorithms" (2013). */
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static int bad_time(const char *text) {
  return mwx_error_set(MWX_EINVAL,
                       "'%s' is not a UTC time of the form YYYY-MM-DDTHH:MM:SS[.fff]Z", text);
}

static int digits(const char *p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)p[i]))
      return -1;
    v = v * 10 + (p[i] - '0');
  }
  *out = v;
  return 0;
}

int mwx_sim_time_parse(const char *text, int64_t *t_ns) {
  int y, mo, d, h, mi, s;
  if (!text)
    return mwx_error_set(MWX_EINVAL, "no time given");
  size_t len = strlen(text);
  if (len < 20 || digits(text, 4, &y) || text[4] != '-' || digits(text + 5, 2, &mo) ||
      text[7] != '-' || digits(text + 8, 2, &d) || text[10] != 'T' || digits(text + 11, 2, &h) ||
      text[13] != ':' || digits(text + 14, 2, &mi) || text[16] != ':' || digits(text + 17, 2, &s))
    return bad_time(text);
  const char *p = text + 19;
  int64_t frac_ns = 0;
  if (*p == '.') {
    int n = 0;
    int64_t scale = 100000000;
    for (p++; isdigit((unsigned char)*p); p++, n++) {
      if (n >= 9)
        return bad_time(text);
      frac_ns += (*p - '0') * scale;
      scale /= 10;
    }
    if (n == 0)
      return bad_time(text);
  }
  if (strcmp(p, "Z") != 0)
    return bad_time(text);
  static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
      (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || s > 59)
    return bad_time(text);
  int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
  *t_ns = ((days * 86400 + h * 3600 + mi * 60 + s) * 1000000000LL) + frac_ns;
  return 0;
}

int mwx_sim_time_format(int64_t t_ns, char *buf, size_t size) {
  int64_t sec = t_ns / 1000000000LL, ns = t_ns % 1000000000LL;
  if (ns < 0) {
    ns += 1000000000LL;
    sec -= 1;
  }
  time_t tt = (time_t)sec;
  struct tm tmv;
  if (!gmtime_r(&tt, &tmv) || size < 32)
    return mwx_error_set(MWX_EINVAL, "time %lld ns cannot be formatted", (long long)t_ns);
  snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tmv.tm_year + 1900, tmv.tm_mon + 1,
           tmv.tm_mday, tmv.tm_hour, tmv.tm_min, tmv.tm_sec, (int)(ns / 1000000));
  return 0;
}

/* ---- JSON helpers --------------------------------------------------------- */

/* Where we are: the file and the key path, for messages. */
typedef struct where {
  const char *origin;
  char key[160];
} where;

static void sub(where *w, const where *parent, const char *fmt, const char *name, size_t idx) {
  w->origin = parent->origin;
  char tail[96];
  if (name)
    snprintf(tail, sizeof tail, fmt, name);
  else
    snprintf(tail, sizeof tail, fmt, idx);
  /* parent key, a dot before a named key, then the tail; cut at the buffer */
  size_t len = strlen(parent->key);
  memcpy(w->key, parent->key, len + 1);
  const char *parts[2] = {(parent->key[0] && name) ? "." : "", tail};
  for (int i = 0; i < 2; i++)
    for (const char *q = parts[i]; *q && len + 1 < sizeof w->key; q++)
      w->key[len++] = *q;
  w->key[len] = 0;
}

static int fail(const where *w, const char *key, const char *what) {
  if (!w->key[0] && !key)
    return mwx_error_set(MWX_EINVAL, "%s: %s", w->origin, what);
  return mwx_error_set(MWX_EINVAL, "%s: %s%s%s: %s", w->origin, w->key, (w->key[0] && key) ? "." : "",
                       key ? key : "", what);
}

static int check_keys(const where *w, json_t *obj, const char *const *allowed) {
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    int ok = 0;
    for (const char *const *a = allowed; *a; a++)
      if (!strcmp(*a, k))
        ok = 1;
    if (!ok)
      return fail(w, k, "unknown key");
  }
  return 0;
}

/* Slant ranges and heights in km: 1e6 km is 2.5 times the Moon, far beyond any sensor (a
 * GEO infrared satellite sees the Earth at 36,000 to 42,000 km); a bound keeps v * 1000 finite. */
#define HUGE_BOUND 1e6

/* A number under key.  required: missing is an error; otherwise *out = def.
 * Bounds: lo <= v <= hi, with lo excluded when lo_open. */
static int get_num(const where *w, json_t *obj, const char *key, int required, double def, double lo,
                   int lo_open, double hi, double *out) {
  json_t *v = json_object_get(obj, key);
  char msg[128];
  if (!v) {
    if (required)
      return fail(w, key, "missing");
    *out = def;
    return 0;
  }
  if (!json_is_number(v))
    return fail(w, key, "must be a number");
  double x = json_number_value(v);
  if (!isfinite(x) || (lo_open ? !(x > lo) : !(x >= lo)) || !(x <= hi)) {
    if (hi == HUGE_BOUND && !(x > hi)) /* an upper bound only there to stay finite: say the lower */
      snprintf(msg, sizeof msg, "must be a number %s %g (got %g)", lo_open ? ">" : ">=", lo, x);
    else
      snprintf(msg, sizeof msg, "must be a number in %s%g, %g] (got %g)", lo_open ? "(" : "[", lo,
               hi, x);
    return fail(w, key, msg);
  }
  *out = x;
  return 0;
}

static int get_str(const where *w, json_t *obj, const char *key, int required, char *out,
                   size_t size) {
  json_t *v = json_object_get(obj, key);
  if (!v) {
    if (required)
      return fail(w, key, "missing");
    out[0] = 0;
    return 0;
  }
  if (!json_is_string(v))
    return fail(w, key, "must be a string");
  const char *s = json_string_value(v);
  if (required && !*s)
    return fail(w, key, "must not be empty");
  for (size_t i = 0; i < json_string_length(v); i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      return fail(w, key, "holds a control character");
  if (strlen(s) >= size) {
    char msg[64];
    snprintf(msg, sizeof msg, "longer than %zu characters", size - 1);
    return fail(w, key, msg);
  }
  memcpy(out, s, strlen(s) + 1);
  return 0;
}

/* An id already read by get_str: only the id character set of mwx/text.h. */
static int get_id(const where *w, const char *key, const char *id) {
  if (mwx_text_id_chars_ok(id))
    return 0;
  return fail(w, key, "may hold only A-Z a-z 0-9 - _ . : / @ + (an id)");
}


/* ---- Sensors ------------------------------------------------------------- */

const char *mwx_sim_sensor_kind_name(mwx_sim_sensor_kind k) {
  switch (k) {
  case MWX_SIM_GROUND_RADAR: return "ground_radar";
  case MWX_SIM_SHIP_RADAR: return "ship_radar";
  case MWX_SIM_SPACE_IR: return "space_ir";
  }
  return "unknown";
}

static int parse_face(const where *w, json_t *o, mwx_sim_face *f) {
  static const char *const keys[] = {"az_center_deg", "az_width_deg", "el_min_deg", "el_max_deg",
                                     NULL};
  int rc;
  if (!json_is_object(o))
    return fail(w, NULL, "must be an object");
  if ((rc = check_keys(w, o, keys)) ||
      (rc = get_num(w, o, "az_center_deg", 1, 0, -360, 0, 360, &f->az_center_deg)) ||
      (rc = get_num(w, o, "az_width_deg", 1, 0, 0, 1, 360, &f->az_width_deg)) ||
      (rc = get_num(w, o, "el_min_deg", 1, 0, -90, 0, 90, &f->el_min_deg)) ||
      (rc = get_num(w, o, "el_max_deg", 1, 0, -90, 0, 90, &f->el_max_deg)))
    return rc;
  if (f->el_max_deg <= f->el_min_deg)
    return fail(w, "el_max_deg", "must be greater than el_min_deg");
  return 0;
}

static int parse_sensor(const where *w, json_t *o, mwx_sim_sensor *s) {
  static const char *const keys[] = {
      "id",           "nation",        "model",         "type",         "lat_deg",
      "lon_deg",      "h_m",           "course_deg",    "speed_kn",     "faces",
      "min_range_km", "max_range_km",  "min_alt_km",    "period_s",     "sigma_range_m",
      "sigma_az_deg", "sigma_el_deg",  "sigma_los_urad", "pd",          "false_per_scan",
      "note",         "ref_range_km",  "ref_rcs_m2",    NULL};
  char type[32];
  double v;
  int rc;
  memset(s, 0, sizeof *s);
  if (!json_is_object(o))
    return fail(w, NULL, "must be an object");
  if ((rc = check_keys(w, o, keys)) || (rc = get_str(w, o, "id", 1, s->id, sizeof s->id)) ||
      (rc = get_id(w, "id", s->id)) || (rc = get_str(w, o, "nation", 1, s->nation, sizeof s->nation)) ||
      (rc = get_str(w, o, "model", 0, s->model, sizeof s->model)) ||
      (rc = get_str(w, o, "type", 1, type, sizeof type)))
    return rc;
  if (strlen(s->nation) != 3 || !isupper((unsigned char)s->nation[0]) ||
      !isupper((unsigned char)s->nation[1]) || !isupper((unsigned char)s->nation[2]))
    return fail(w, "nation", "must be a 3-letter upper-case country code (e.g. KOR)");
  if (!strcmp(type, "ground_radar"))
    s->kind = MWX_SIM_GROUND_RADAR;
  else if (!strcmp(type, "ship_radar"))
    s->kind = MWX_SIM_SHIP_RADAR;
  else if (!strcmp(type, "space_ir"))
    s->kind = MWX_SIM_SPACE_IR;
  else
    return fail(w, "type", "must be \"ground_radar\", \"ship_radar\" or \"space_ir\"");
  int ship = s->kind == MWX_SIM_SHIP_RADAR, ir = s->kind == MWX_SIM_SPACE_IR;
  if ((rc = get_num(w, o, "lat_deg", 1, 0, -90, 0, 90, &s->site.lat_deg)) ||
      (rc = get_num(w, o, "lon_deg", 1, 0, -180, 0, 360, &s->site.lon_deg)) ||
      (rc = get_num(w, o, "h_m", 0, 0, -500, 0, 1e8, &s->site.h_m)) ||
      (rc = get_num(w, o, "course_deg", ship, 0, -360, 0, 360, &s->course_deg)) ||
      (rc = get_num(w, o, "speed_kn", ship, 0, 0, 0, 60, &v)))
    return rc;
  if (!ship && (json_object_get(o, "course_deg") || json_object_get(o, "speed_kn")))
    return fail(w, json_object_get(o, "course_deg") ? "course_deg" : "speed_kn",
                "only a ship_radar moves");
  s->speed_mps = v * 1852.0 / 3600.0;
  if ((rc = get_num(w, o, "min_range_km", 0, 0, 0, 0, HUGE_BOUND, &v)))
    return rc;
  s->min_range_m = v * 1000.0;
  if ((rc = get_num(w, o, "max_range_km", 1, 0, 0, 1, HUGE_BOUND, &v)))
    return rc;
  s->max_range_m = v * 1000.0;
  if (s->max_range_m <= s->min_range_m)
    return fail(w, "max_range_km", "must be greater than min_range_km");
  if ((rc = get_num(w, o, "min_alt_km", 0, 0, -1, 0, HUGE_BOUND, &v)))
    return rc;
  s->min_alt_m = v * 1000.0;
  if ((rc = get_num(w, o, "period_s", 1, 0, 0.001, 0, 3600, &v)))
    return rc;
  s->period_ns = (int64_t)llround(v * 1e9);
  if ((rc = get_num(w, o, "pd", 1, 0, 0, 0, 1, &s->pd)) ||
      (rc = get_num(w, o, "false_per_scan", 0, 0, 0, 0, 20, &s->false_per_scan)))
    return rc;
  if (ir) {
    static const char *const radar_only[] = {"sigma_range_m", "sigma_az_deg", "sigma_el_deg", NULL};
    for (const char *const *k = radar_only; *k; k++)
      if (json_object_get(o, *k))
        return fail(w, *k, "a space_ir sensor measures no range and uses sigma_los_urad");
    if ((rc = get_num(w, o, "sigma_los_urad", 1, 0, 0, 0, 1e5, &v)))
      return rc;
    s->sigma_los_rad = v * 1e-6;
  } else {
    if (json_object_get(o, "sigma_los_urad"))
      return fail(w, "sigma_los_urad", "only a space_ir sensor has it");
    if ((rc = get_num(w, o, "sigma_range_m", 1, 0, 0, 0, 1e5, &s->sigma_range_m)) ||
        (rc = get_num(w, o, "sigma_az_deg", 1, 0, 0, 0, 10, &s->sigma_az_deg)) ||
        (rc = get_num(w, o, "sigma_el_deg", 1, 0, 0, 0, 10, &s->sigma_el_deg)))
      return rc;
  }
  /* the radar equation (mwx_sim_radar_detect, honest/issue 12): both keys or neither */
  int has_ref = json_object_get(o, "ref_range_km") != NULL, has_rcs = json_object_get(o, "ref_rcs_m2") != NULL;
  if (has_ref != has_rcs)
    return fail(w, has_ref ? "ref_rcs_m2" : "ref_range_km", "ref_range_km and ref_rcs_m2 go together");
  if (has_ref && ir)
    return fail(w, "ref_range_km", "only a radar follows the radar equation");
  if (has_ref) {
    if ((rc = get_num(w, o, "ref_range_km", 1, 0, 0, 1, HUGE_BOUND, &v)))
      return rc;
    s->ref_range_m = v * 1000.0;
    if ((rc = get_num(w, o, "ref_rcs_m2", 1, 0, 0, 1, 1e6, &s->ref_rcs_m2)))
      return rc;
    if (!(s->pd > 0 && s->pd < 1))
      return fail(w, "pd", "must be between 0 and 1 (exclusive) with the radar equation");
  }
  json_t *faces = json_object_get(o, "faces");
  if (!faces) {
    s->n_faces = 1;
    s->face[0] = (mwx_sim_face){0.0, 360.0, ir ? -90.0 : 0.0, ir ? 0.0 : 90.0};
  } else {
    if (!json_is_array(faces) || json_array_size(faces) < 1 ||
        json_array_size(faces) > MWX_SIM_MAX_FACES) {
      char msg[64];
      snprintf(msg, sizeof msg, "must be an array of 1 to %d faces", MWX_SIM_MAX_FACES);
      return fail(w, "faces", msg);
    }
    s->n_faces = (int)json_array_size(faces);
    for (int i = 0; i < s->n_faces; i++) {
      where wf, wff;
      sub(&wf, w, "%s", "faces", 0);
      sub(&wff, &wf, "[%zu]", NULL, (size_t)i);
      if ((rc = parse_face(&wff, json_array_get(faces, (size_t)i), &s->face[i])))
        return rc;
    }
  }
  return 0;
}

static int parse_sensor_array(const where *w, json_t *arr, mwx_sim_sensor **out, size_t *n) {
  if (!json_is_array(arr) || json_array_size(arr) == 0)
    return fail(w, NULL, "must be a non-empty array of sensor objects");
  size_t cnt = json_array_size(arr);
  if (cnt > MWX_SIM_MAX_SENSORS) {
    char msg[96];
    snprintf(msg, sizeof msg, "%zu sensors, more than the limit of %d", cnt, MWX_SIM_MAX_SENSORS);
    return fail(w, NULL, msg);
  }
  mwx_sim_sensor *s = calloc(cnt, sizeof *s);
  if (!s)
    return mwx_error_set(MWX_ENOMEM, "%s: out of memory", w->origin);
  for (size_t i = 0; i < cnt; i++) {
    where wi;
    sub(&wi, w, "[%zu]", NULL, i);
    int rc = parse_sensor(&wi, json_array_get(arr, i), &s[i]);
    for (size_t j = 0; !rc && j < i; j++)
      if (!strcmp(s[j].id, s[i].id))
        rc = fail(&wi, "id", "duplicate sensor id");
    if (rc) {
      free(s);
      return rc;
    }
  }
  double rate = mwx_sim_plot_rate(s, cnt);
  if (rate > MWX_SIM_MAX_PLOT_RATE) {
    char msg[160];
    snprintf(msg, sizeof msg,
             "the sensors would make %.0f plots per second (1 + false_per_scan x faces per scan), more than the "
             "limit of %.0f",
             rate, MWX_SIM_MAX_PLOT_RATE);
    free(s);
    return fail(w, NULL, msg);
  }
  *out = s;
  *n = cnt;
  return 0;
}

double mwx_sim_plot_rate(const mwx_sim_sensor *s, size_t n) {
  double rate = 0;
  for (size_t i = 0; i < n; i++)
    if (s[i].period_ns > 0)
      rate += (1.0 + s[i].false_per_scan * s[i].n_faces) / ((double)s[i].period_ns / 1e9);
  return rate;
}

static int load_json(const char *path, json_t **root) {
  return mwx_json_load_file(path, MWX_SIM_MAX_FILE_BYTES, root);
}

int mwx_sim_sensors_load(const char *path, mwx_sim_sensor **sensors, size_t *n) {
  json_t *root;
  int rc = load_json(path, &root);
  if (rc)
    return rc;
  where w = {path, ""};
  rc = parse_sensor_array(&w, root, sensors, n);
  json_decref(root);
  return rc;
}

/* ---- Scenario ------------------------------------------------------------ */

static int parse_launch(const where *w, json_t *o, mwx_sim_launch *l) {
  static const char *const keys[] = {"id",        "time_utc",  "lat_deg",  "lon_deg", "azimuth_deg",
                                     "apogee_km", "range_km",  "class",    "note",    NULL};
  char tbuf[64], cls[16];
  int rc;
  memset(l, 0, sizeof *l);
  if (!json_is_object(o))
    return fail(w, NULL, "must be an object");
  if ((rc = check_keys(w, o, keys)) || (rc = get_str(w, o, "id", 1, l->id, sizeof l->id)) ||
      (rc = get_id(w, "id", l->id)) || (rc = get_str(w, o, "time_utc", 1, tbuf, sizeof tbuf)))
    return rc;
  if (mwx_sim_time_parse(tbuf, &l->time_ns)) {
    char msg[160];
    snprintf(msg, sizeof msg, "'%s' is not a UTC time like 2022-11-18T01:15:00Z", tbuf);
    return fail(w, "time_utc", msg);
  }
  if ((rc = get_num(w, o, "lat_deg", 1, 0, -90, 0, 90, &l->lat_deg)) ||
      (rc = get_num(w, o, "lon_deg", 1, 0, -180, 0, 360, &l->lon_deg)) ||
      (rc = get_num(w, o, "azimuth_deg", 1, 0, -360, 0, 360, &l->azimuth_deg)) ||
      (rc = get_num(w, o, "apogee_km", 1, 0, 0, 1, 20000, &l->apogee_km)) ||
      (rc = get_num(w, o, "range_km", 1, 0, 0, 1, 20000, &l->range_km)) ||
      (rc = get_str(w, o, "class", 0, cls, sizeof cls)))
    return rc;
  l->cls = MWX_CLASS_UNKNOWN;
  if (cls[0] && mwx_ballistic_class_parse(cls, &l->cls)) {
    char msg[96];
    snprintf(msg, sizeof msg, "'%s' is not one of SRBM, MRBM, IRBM, ICBM", cls);
    return fail(w, "class", msg);
  }
  return 0;
}

static int resolve_sensors(const where *w, json_t *v, const char *base_dir, mwx_sim_scenario *sc) {
  where ws;
  sub(&ws, w, "%s", "sensors", 0);
  if (!v)
    return fail(w, "sensors", "missing (\"default\", a file name or an array)");
  if (json_is_array(v))
    return parse_sensor_array(&ws, v, &sc->sensor, &sc->n_sensors);
  if (!json_is_string(v))
    return fail(w, "sensors", "must be \"default\", a file name or an array of sensors");
  const char *name = json_string_value(v);
  char path[1024];
  if (!strcmp(name, "default"))
    snprintf(path, sizeof path, "%s/data/sensors/default.json", MWX_SOURCE_DIR);
  else if (name[0] == '/' || !base_dir)
    snprintf(path, sizeof path, "%s", name);
  else
    snprintf(path, sizeof path, "%s/%s", base_dir, name);
  int rc = mwx_sim_sensors_load(path, &sc->sensor, &sc->n_sensors);
  if (rc) {
    char inner[512];
    snprintf(inner, sizeof inner, "%s", mwx_error_msg());
    return mwx_error_set(rc, "%s: sensors: %s", w->origin, inner);
  }
  return 0;
}

int mwx_sim_scenario_parse(const char *json_text, const char *origin, const char *base_dir,
                           mwx_sim_scenario *sc) {
  static const char *const keys[] = {"name", "launches", "sensors", "note", NULL};
  memset(sc, 0, sizeof *sc);
  if (!origin)
    origin = "scenario";
  if (!json_text)
    return mwx_error_set(MWX_EINVAL, "%s: no text", origin);
  json_t *root;
  int lrc = mwx_json_load_text(json_text, strlen(json_text), origin, &root);
  if (lrc)
    return lrc;
  where w = {origin, ""};
  int rc = 0;
  json_t *launches;
  if (!json_is_object(root)) {
    rc = fail(&w, NULL, "the scenario must be a JSON object");
    goto out;
  }
  if ((rc = check_keys(&w, root, keys)) || (rc = get_str(&w, root, "name", 1, sc->name, sizeof sc->name)))
    goto out;
  launches = json_object_get(root, "launches");
  if (!json_is_array(launches) || json_array_size(launches) == 0) {
    rc = fail(&w, "launches", launches ? "must be a non-empty array" : "missing");
    goto out;
  }
  sc->n_launches = json_array_size(launches);
  if (sc->n_launches > MWX_SIM_MAX_LAUNCHES) {
    char msg[96];
    snprintf(msg, sizeof msg, "%zu launches, more than the limit of %d", sc->n_launches, MWX_SIM_MAX_LAUNCHES);
    sc->n_launches = 0;
    rc = fail(&w, "launches", msg);
    goto out;
  }
  sc->launch = calloc(sc->n_launches, sizeof *sc->launch);
  if (!sc->launch) {
    rc = mwx_error_set(MWX_ENOMEM, "%s: out of memory", origin);
    goto out;
  }
  for (size_t i = 0; i < sc->n_launches; i++) {
    where wl, wi;
    sub(&wl, &w, "%s", "launches", 0);
    sub(&wi, &wl, "[%zu]", NULL, i);
    if ((rc = parse_launch(&wi, json_array_get(launches, i), &sc->launch[i])))
      goto out;
    for (size_t j = 0; j < i; j++)
      if (!strcmp(sc->launch[j].id, sc->launch[i].id)) {
        rc = fail(&wi, "id", "duplicate launch id");
        goto out;
      }
    if (i == 0 || sc->launch[i].time_ns < sc->epoch_ns)
      sc->epoch_ns = sc->launch[i].time_ns;
  }
  int64_t last = sc->epoch_ns;
  for (size_t i = 0; i < sc->n_launches; i++)
    if (sc->launch[i].time_ns > last)
      last = sc->launch[i].time_ns;
  double span_s = (double)(last - sc->epoch_ns) / 1e9;
  if (span_s > MWX_SIM_MAX_SPAN_S) {
    char msg[128];
    snprintf(msg, sizeof msg, "the launches span %.0f s, more than the limit of %.0f s (one day)", span_s,
             MWX_SIM_MAX_SPAN_S);
    rc = fail(&w, "launches", msg);
    goto out;
  }
  if ((rc = resolve_sensors(&w, json_object_get(root, "sensors"), base_dir, sc)))
    goto out;
  double plots = mwx_sim_plot_rate(sc->sensor, sc->n_sensors) * (span_s + MWX_ASSESS_MAX_FLIGHT_S);
  if (plots > MWX_SIM_MAX_PLOTS) {
    char msg[192];
    snprintf(msg, sizeof msg,
             "about %.3g plots over the launches' span plus 2 h of flight, more than the limit of %.3g per run",
             plots, MWX_SIM_MAX_PLOTS);
    rc = fail(&w, NULL, msg);
  }
out:
  json_decref(root);
  if (rc)
    mwx_sim_scenario_fini(sc);
  return rc;
}

int mwx_sim_scenario_load(const char *path, mwx_sim_scenario *sc) {
  memset(sc, 0, sizeof *sc);
  if (!path)
    return mwx_error_set(MWX_EINVAL, "scenario: no path");
  /* a regular file within MWX_SIM_MAX_FILE_BYTES (not /dev/zero, not a
   * directory), then parsed by the same code as a scenario given as text */
  json_t *root;
  int rc = load_json(path, &root);
  if (rc)
    return rc;
  char *buf = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(root);
  if (!buf)
    return mwx_error_set(MWX_ENOMEM, "%s: out of memory", path);
  char dir[1024];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash)
    *slash = 0;
  else
    snprintf(dir, sizeof dir, ".");
  rc = mwx_sim_scenario_parse(buf, path, dir, sc);
  free(buf);
  return rc;
}

void mwx_sim_scenario_fini(mwx_sim_scenario *sc) {
  if (!sc)
    return;
  free(sc->launch);
  free(sc->sensor);
  memset(sc, 0, sizeof *sc);
}
