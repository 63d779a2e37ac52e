/*
 * error.c - status names and the thread-local error message (see error.h).
 */
#include "mwx/error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char error_msg[512];

const char *mwx_strerror(int code) {
  switch (code) {
  case MWX_OK: return "ok";
  case MWX_EINVAL: return "invalid argument";
  case MWX_ENOMEM: return "out of memory";
  case MWX_EIO: return "input/output error";
  case MWX_EPARSE: return "parse error";
  case MWX_ERANGE: return "value out of range";
  case MWX_ENOCONV: return "no convergence";
  case MWX_ENOTFOUND: return "not found";
  case MWX_EDENIED: return "denied";
  case MWX_ECRYPTO: return "cryptographic failure";
  case MWX_ECORRUPT: return "integrity check failed";
  case MWX_EDDS: return "DDS error";
  case MWX_EBUSY: return "busy";
  case MWX_ETIMEDOUT: return "timed out";
  case MWX_EEXIST: return "already exists";
  default: return "unknown error";
  }
}

int mwx_error_set(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(error_msg, sizeof error_msg, fmt, ap);
  va_end(ap);
  return code;
}

const char *mwx_error_msg(void) { return error_msg; }

void mwx_error_clear(void) { error_msg[0] = '\0'; }
