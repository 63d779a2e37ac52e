/* fixture_key.c - see fixture_key.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture_key.h"

void fx_key_files_make(fx_key_files *f) {
  memset(f, 0, sizeof *f);
  snprintf(f->dir, sizeof f->dir, "/tmp/mwx_test_msg_XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  snprintf(f->priv, sizeof f->priv, "%s/k.pem", f->dir);
  snprintf(f->pub, sizeof f->pub, "%s/k.pub.pem", f->dir);
  assert_int_equal(mwx_msg_key_generate(&f->key), 0);
  assert_int_equal(mwx_msg_key_save_private(f->key, f->priv), 0);
  assert_int_equal(mwx_msg_key_save_public(f->key, f->pub), 0);
}

void fx_key_files_remove(const fx_key_files *f) {
  unlink(f->priv);
  unlink(f->pub);
  rmdir(f->dir);
}
