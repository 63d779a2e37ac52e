/*
 * error.h - the one set of status codes used across mwx, and the one path by
 * which a message reaches the user.
 *
 * Every mwx function that can fail returns int: 0 on success, or a negative
 * MWX_E* code.  Results are written through out-parameters.  A function that
 * has more to say than the code (which file, which key, which line) records a
 * message with mwx_error_set(); the caller that reports to the user reads it
 * back with mwx_error_msg().  The message buffer is thread-local, so the path
 * is safe from any thread and needs no locking.
 */
#ifndef MWX_ERROR_H
#define MWX_ERROR_H

#define MWX_OK 0
#define MWX_EINVAL -1    /* an argument or input value is invalid */
#define MWX_ENOMEM -2    /* out of memory */
#define MWX_EIO -3       /* a file or socket operation failed */
#define MWX_EPARSE -4    /* input could not be parsed (JSON, CSV, policy) */
#define MWX_ERANGE -5    /* a value is outside what the model can represent */
#define MWX_ENOCONV -6   /* an iterative computation did not converge */
#define MWX_ENOTFOUND -7 /* a named item does not exist */
#define MWX_EDENIED -8   /* refused by policy or access control */
#define MWX_ECRYPTO -9   /* a signature, key or certificate operation failed */
#define MWX_ECORRUPT -10 /* stored data failed an integrity check */
#define MWX_EDDS -11     /* the DDS middleware returned an error */
#define MWX_EBUSY -12    /* the resource is in use or not ready */
#define MWX_ETIMEDOUT -13 /* a wait ran out of time */
#define MWX_EEXIST -14   /* the item already exists */

/* Returns a static, human-readable name for a status code.  Never NULL. */
const char *mwx_strerror(int code);

/*
 * Records a message describing the most recent failure of this thread and
 * returns code unchanged, so that callers can write
 *   return mwx_error_set(MWX_EINVAL, "%s: key 'apogee_km' must be > 0", path);
 * The message is truncated to 511 bytes.
 */
int mwx_error_set(int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The last message recorded by mwx_error_set() on this thread, or "" if none.
 * The pointer stays valid until the next mwx_error_set() on this thread. */
const char *mwx_error_msg(void);

/* Forgets the message of this thread. */
void mwx_error_clear(void);

/* A configuration check's one line, for a function returning int: unless
 * ok holds, returns MWX_EINVAL with "<who>: <field> <value> is outside
 * <range>" (who and range string literals, field a member of *cfg).
 * MWX_CHECK_FLAG: the same for a 0/1 switch ("... is not 0 or 1"). */
#define MWX_CHECK_RANGE(who, cfg, field, ok, range)                                                                \
  do {                                                                                                               \
    if (!(ok))                                                                                                       \
      return mwx_error_set(MWX_EINVAL, who ": " #field " %g is outside " range, (double)(cfg)->field);              \
  } while (0)
#define MWX_CHECK_FLAG(who, cfg, field)                                                                              \
  do {                                                                                                               \
    if ((cfg)->field != 0 && (cfg)->field != 1)                                                                      \
      return mwx_error_set(MWX_EINVAL, who ": " #field " %d is not 0 or 1", (int)(cfg)->field);                      \
  } while (0)

#endif /* MWX_ERROR_H */
