/*
 * fixture_key.h - test fixture (tests only, not libmwx): a fresh Ed25519
 * origin key saved as a private and a public PEM file in a new temporary
 * directory, as the message tests' key-file cases need.  Single-threaded.
 */
#ifndef MWX_FIXTURE_KEY_H
#define MWX_FIXTURE_KEY_H

#include <stddef.h>

#include "mwx/msg.h"

typedef struct fx_key_files {
  char dir[64];     /* the new directory (/tmp/mwx_test_msg_XXXXXX) */
  char priv[256];   /* dir/k.pem (mode 0600) */
  char pub[256];    /* dir/k.pub.pem */
  mwx_msg_key *key; /* the generated key (the caller frees it with mwx_msg_key_free) */
} fx_key_files;

/* Makes the directory, generates the key and saves both files.  Fails the
 * test if it cannot. */
void fx_key_files_make(fx_key_files *f);

/* Removes both files and the directory (the key itself is the caller's). */
void fx_key_files_remove(const fx_key_files *f);

#endif
