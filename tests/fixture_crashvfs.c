/*
 * fixture_crashvfs.c - see fixture_crashvfs.h.  Per tracked file (by the
 * full path SQLite gives xOpen): its durable image (bytes) and the writes
 * and truncates since its last xSync, in order, each with a sequence
 * number.  An xSync notes the sequence reached when it starts, runs the
 * real sync, then applies the pending operations below that number to the
 * durable image.  Everything else is the real VFS's.
 */
#define _GNU_SOURCE
#include "fixture_crashvfs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct cv_op {
  uint64_t seq;
  int64_t off;      /* write: offset; truncate: the new size */
  size_t len;       /* write: bytes */
  unsigned char *data; /* NULL: a truncate */
} cv_op;

typedef struct cv_state {
  struct cv_state *next;
  char path[1024];
  int exists;
  unsigned char *dur;
  size_t dur_len, dur_cap;
  cv_op *op;
  size_t n_op, cap_op;
  int refs;
} cv_state;

typedef struct cv_file {
  sqlite3_file base;
  cv_state *st;        /* NULL: not tracked (temp files) */
  sqlite3_file *real;  /* follows this struct */
} cv_file;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static cv_state *states;
static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim;
static int installed;
static uint64_t next_seq = 1, n_syncs, n_writes;

static int dur_reserve(cv_state *s, size_t n) {
  if (n <= s->dur_cap)
    return 0;
  size_t nc = s->dur_cap ? s->dur_cap : 65536;
  while (nc < n)
    nc *= 2;
  unsigned char *p = realloc(s->dur, nc);
  if (!p)
    return -1;
  s->dur = p;
  s->dur_cap = nc;
  return 0;
}

static int op_apply(cv_state *s, const cv_op *o) {
  if (!o->data) {
    size_t size = (size_t)o->off;
    if (size > s->dur_len) {
      if (dur_reserve(s, size))
        return -1;
      memset(s->dur + s->dur_len, 0, size - s->dur_len);
    }
    s->dur_len = size;
    return 0;
  }
  size_t end = (size_t)o->off + o->len;
  if (dur_reserve(s, end))
    return -1;
  if ((size_t)o->off > s->dur_len)
    memset(s->dur + s->dur_len, 0, (size_t)o->off - s->dur_len);
  memcpy(s->dur + o->off, o->data, o->len);
  if (end > s->dur_len)
    s->dur_len = end;
  return 0;
}

static void ops_clear(cv_state *s) {
  for (size_t i = 0; i < s->n_op; i++)
    free(s->op[i].data);
  s->n_op = 0;
}

static int op_push(cv_state *s, int64_t off, const void *data, size_t len) {
  if (s->n_op == s->cap_op) {
    size_t nc = s->cap_op ? 2 * s->cap_op : 64;
    cv_op *p = realloc(s->op, nc * sizeof *p);
    if (!p)
      return -1;
    s->op = p;
    s->cap_op = nc;
  }
  cv_op *o = &s->op[s->n_op];
  o->seq = next_seq++;
  o->off = off;
  o->len = len;
  o->data = NULL;
  if (data) {
    if (!(o->data = malloc(len ? len : 1)))
      return -1;
    memcpy(o->data, data, len);
  }
  s->n_op++;
  return 0;
}

/* The file as it is on disk now counts as durable (mu held). */
static cv_state *state_get(const char *path) {
  for (cv_state *s = states; s; s = s->next)
    if (!strcmp(s->path, path))
      return s;
  cv_state *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  snprintf(s->path, sizeof s->path, "%s", path);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    s->exists = 1;
    struct stat sb;
    if (fstat(fd, &sb) == 0 && sb.st_size > 0 && dur_reserve(s, (size_t)sb.st_size) == 0) {
      ssize_t r;
      while (s->dur_len < (size_t)sb.st_size &&
             (r = pread(fd, s->dur + s->dur_len, (size_t)sb.st_size - s->dur_len, (off_t)s->dur_len)) > 0)
        s->dur_len += (size_t)r;
    }
    close(fd);
  }
  s->next = states;
  states = s;
  return s;
}

/* ---- io methods -------------------------------------------------------- */

static int cv_close(sqlite3_file *f) {
  cv_file *c = (cv_file *)f;
  int rc = c->real->pMethods ? c->real->pMethods->xClose(c->real) : SQLITE_OK;
  if (c->st) {
    pthread_mutex_lock(&mu);
    c->st->refs--;
    pthread_mutex_unlock(&mu);
  }
  return rc;
}

static int cv_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off) {
  cv_file *c = (cv_file *)f;
  return c->real->pMethods->xRead(c->real, buf, amt, off);
}

static int cv_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off) {
  cv_file *c = (cv_file *)f;
  int rc = c->real->pMethods->xWrite(c->real, buf, amt, off);
  if (rc == SQLITE_OK && c->st) {
    pthread_mutex_lock(&mu);
    n_writes++;
    if (op_push(c->st, off, buf, (size_t)amt))
      rc = SQLITE_NOMEM;
    pthread_mutex_unlock(&mu);
  }
  return rc;
}

static int cv_truncate(sqlite3_file *f, sqlite3_int64 size) {
  cv_file *c = (cv_file *)f;
  int rc = c->real->pMethods->xTruncate(c->real, size);
  if (rc == SQLITE_OK && c->st) {
    pthread_mutex_lock(&mu);
    if (op_push(c->st, size, NULL, 0))
      rc = SQLITE_NOMEM;
    pthread_mutex_unlock(&mu);
  }
  return rc;
}

static int cv_sync(sqlite3_file *f, int flags) {
  cv_file *c = (cv_file *)f;
  uint64_t upto = 0;
  if (c->st) {
    pthread_mutex_lock(&mu);
    upto = next_seq; /* what was written before this sync started */
    pthread_mutex_unlock(&mu);
  }
  int rc = c->real->pMethods->xSync(c->real, flags);
  if (rc == SQLITE_OK && c->st) {
    pthread_mutex_lock(&mu);
    n_syncs++;
    cv_state *s = c->st;
    size_t k = 0;
    while (k < s->n_op && s->op[k].seq < upto) {
      if (op_apply(s, &s->op[k]))
        rc = SQLITE_NOMEM;
      free(s->op[k].data);
      k++;
    }
    memmove(s->op, s->op + k, (s->n_op - k) * sizeof *s->op);
    s->n_op -= k;
    pthread_mutex_unlock(&mu);
  }
  return rc;
}

static int cv_file_size(sqlite3_file *f, sqlite3_int64 *size) {
  cv_file *c = (cv_file *)f;
  return c->real->pMethods->xFileSize(c->real, size);
}
static int cv_lock(sqlite3_file *f, int l) {
  cv_file *c = (cv_file *)f;
  return c->real->pMethods->xLock(c->real, l);
}
static int cv_unlock(sqlite3_file *f, int l) {
  cv_file *c = (cv_file *)f;
  return c->real->pMethods->xUnlock(c->real, l);
}
static int cv_check_reserved(sqlite3_file *f, int *out) {
  cv_file *c = (cv_file *)f;
  return c->real->pMethods->xCheckReservedLock(c->real, out);
}
static int cv_file_control(sqlite3_file *f, int op, void *arg) {
  cv_file *c = (cv_file *)f;
  return c->real->pMethods->xFileControl(c->real, op, arg);
}
static int cv_sector_size(sqlite3_file *f) {
  cv_file *c = (cv_file *)f;
  return c->real->pMethods->xSectorSize(c->real);
}
static int cv_device_chars(sqlite3_file *f) {
  cv_file *c = (cv_file *)f;
  return c->real->pMethods->xDeviceCharacteristics(c->real);
}
static int cv_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp) {
  cv_file *c = (cv_file *)f;
  return c->real->pMethods->xShmMap(c->real, pg, pgsz, extend, pp);
}
static int cv_shm_lock(sqlite3_file *f, int off, int n, int flags) {
  cv_file *c = (cv_file *)f;
  return c->real->pMethods->xShmLock(c->real, off, n, flags);
}
static void cv_shm_barrier(sqlite3_file *f) {
  cv_file *c = (cv_file *)f;
  c->real->pMethods->xShmBarrier(c->real);
}
static int cv_shm_unmap(sqlite3_file *f, int del) {
  cv_file *c = (cv_file *)f;
  return c->real->pMethods->xShmUnmap(c->real, del);
}
/* no memory-mapped I/O through the shim: reads then go through xRead */
static int cv_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp) {
  (void)f;
  (void)off;
  (void)amt;
  *pp = NULL;
  return SQLITE_OK;
}
static int cv_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p) {
  (void)f;
  (void)off;
  (void)p;
  return SQLITE_OK;
}

static const sqlite3_io_methods cv_methods = {
    3,           cv_close,        cv_read,         cv_write,       cv_truncate,  cv_sync,
    cv_file_size, cv_lock,        cv_unlock,       cv_check_reserved, cv_file_control, cv_sector_size,
    cv_device_chars, cv_shm_map,  cv_shm_lock,     cv_shm_barrier, cv_shm_unmap, cv_fetch,
    cv_unfetch};

/* ---- vfs --------------------------------------------------------------- */

static int cv_open(sqlite3_vfs *v, const char *name, sqlite3_file *f, int flags, int *out_flags) {
  (void)v;
  cv_file *c = (cv_file *)f;
  c->base.pMethods = NULL;
  c->st = NULL;
  c->real = (sqlite3_file *)(c + 1);
  c->real->pMethods = NULL;
  int tracked = name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL));
  cv_state *s = NULL;
  if (tracked) {
    pthread_mutex_lock(&mu);
    s = state_get(name); /* before the open: a file it creates was not there (empty image) */
    pthread_mutex_unlock(&mu);
    if (!s)
      return SQLITE_NOMEM;
  }
  int rc = real_vfs->xOpen(real_vfs, name, c->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (c->real->pMethods) { /* the real VFS wants its close even after a failed open */
      c->real->pMethods->xClose(c->real);
      c->real->pMethods = NULL;
    }
    return rc;
  }
  if (s) {
    pthread_mutex_lock(&mu);
    if (!s->exists) { /* created now: nothing durable yet */
      s->exists = 1;
      s->dur_len = 0;
    }
    s->refs++;
    pthread_mutex_unlock(&mu);
  }
  c->st = s;
  c->base.pMethods = &cv_methods;
  return SQLITE_OK;
}

static int cv_delete(sqlite3_vfs *v, const char *name, int dirsync) {
  (void)v;
  int rc = real_vfs->xDelete(real_vfs, name, dirsync);
  if (rc == SQLITE_OK) {
    pthread_mutex_lock(&mu);
    for (cv_state *s = states; s; s = s->next)
      if (!strcmp(s->path, name)) {
        s->exists = 0;
        s->dur_len = 0;
        ops_clear(s);
      }
    pthread_mutex_unlock(&mu);
  }
  return rc;
}

static int cv_access(sqlite3_vfs *v, const char *name, int flags, int *out) {
  (void)v;
  return real_vfs->xAccess(real_vfs, name, flags, out);
}
static int cv_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out) {
  (void)v;
  return real_vfs->xFullPathname(real_vfs, name, n, out);
}
static void *cv_dlopen(sqlite3_vfs *v, const char *name) {
  (void)v;
  return real_vfs->xDlOpen(real_vfs, name);
}
static void cv_dlerror(sqlite3_vfs *v, int n, char *msg) {
  (void)v;
  real_vfs->xDlError(real_vfs, n, msg);
}
static void (*cv_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void) {
  (void)v;
  return real_vfs->xDlSym(real_vfs, h, sym);
}
static void cv_dlclose(sqlite3_vfs *v, void *h) {
  (void)v;
  real_vfs->xDlClose(real_vfs, h);
}
static int cv_randomness(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return real_vfs->xRandomness(real_vfs, n, out);
}
static int cv_sleep(sqlite3_vfs *v, int us) {
  (void)v;
  return real_vfs->xSleep(real_vfs, us);
}
static int cv_current_time(sqlite3_vfs *v, double *out) {
  (void)v;
  return real_vfs->xCurrentTime(real_vfs, out);
}
static int cv_last_error(sqlite3_vfs *v, int n, char *out) {
  (void)v;
  return real_vfs->xGetLastError(real_vfs, n, out);
}
static int cv_current_time64(sqlite3_vfs *v, sqlite3_int64 *out) {
  (void)v;
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

int fx_crashvfs_install(void) {
  if (installed)
    return SQLITE_MISUSE;
  sqlite3_initialize();
  real_vfs = sqlite3_vfs_find(NULL);
  if (!real_vfs || real_vfs->iVersion < 2)
    return SQLITE_ERROR;
  memset(&shim, 0, sizeof shim);
  shim.iVersion = 2;
  shim.szOsFile = (int)sizeof(cv_file) + real_vfs->szOsFile;
  shim.mxPathname = real_vfs->mxPathname;
  shim.zName = "mwx-crashvfs";
  shim.xOpen = cv_open;
  shim.xDelete = cv_delete;
  shim.xAccess = cv_access;
  shim.xFullPathname = cv_full_pathname;
  shim.xDlOpen = cv_dlopen;
  shim.xDlError = cv_dlerror;
  shim.xDlSym = cv_dlsym;
  shim.xDlClose = cv_dlclose;
  shim.xRandomness = cv_randomness;
  shim.xSleep = cv_sleep;
  shim.xCurrentTime = cv_current_time;
  shim.xGetLastError = cv_last_error;
  shim.xCurrentTimeInt64 = cv_current_time64;
  int rc = sqlite3_vfs_register(&shim, 1);
  if (rc == SQLITE_OK) {
    installed = 1;
    next_seq = 1;
    n_syncs = n_writes = 0;
  }
  return rc;
}

int fx_crashvfs_uninstall(void) {
  if (!installed)
    return 0;
  pthread_mutex_lock(&mu);
  for (cv_state *s = states; s; s = s->next)
    if (s->refs) {
      pthread_mutex_unlock(&mu);
      return -1;
    }
  while (states) {
    cv_state *s = states;
    states = s->next;
    ops_clear(s);
    free(s->op);
    free(s->dur);
    free(s);
  }
  pthread_mutex_unlock(&mu);
  sqlite3_vfs_register(real_vfs, 1); /* the default again */
  sqlite3_vfs_unregister(&shim);
  installed = 0;
  return 0;
}

int fx_crashvfs_cut(const char *out_dir, uint64_t *lost_bytes) {
  int files = 0;
  uint64_t lost = 0;
  pthread_mutex_lock(&mu);
  for (cv_state *s = states; s; s = s->next) {
    for (size_t i = 0; i < s->n_op; i++)
      lost += s->op[i].data ? s->op[i].len : 0;
    if (!s->exists)
      continue;
    const char *base = strrchr(s->path, '/');
    base = base ? base + 1 : s->path;
    char out[2048];
    snprintf(out, sizeof out, "%s/%s", out_dir, base);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
      files = -1;
      break;
    }
    size_t w = 0;
    while (w < s->dur_len) {
      ssize_t r = write(fd, s->dur + w, s->dur_len - w);
      if (r <= 0)
        break;
      w += (size_t)r;
    }
    close(fd);
    if (w < s->dur_len) {
      files = -1;
      break;
    }
    files++;
  }
  pthread_mutex_unlock(&mu);
  if (lost_bytes)
    *lost_bytes = lost;
  return files;
}

void fx_crashvfs_counts(uint64_t *syncs, uint64_t *writes) {
  pthread_mutex_lock(&mu);
  if (syncs)
    *syncs = n_syncs;
  if (writes)
    *writes = n_writes;
  pthread_mutex_unlock(&mu);
}
