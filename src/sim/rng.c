/*
 * rng.c - the simulator's deterministic random numbers (see sim_int.h).
 *
 * xoshiro256** and splitmix64 follow the reference code of D. Blackman and
 * S. Vigna (https://prng.di.unimi.it/, public domain).  Gaussians use the
 * Marsaglia polar method (G. Marsaglia, T. Bray, SIAM Review 6 (1964) 260),
 * Poisson counts Knuth's product-of-uniforms method (TAOCP vol. 2, 3.4.1).
 * Same seed, same binary and C library => the same stream, bit for bit.
 */
#include <math.h>

#include "sim_int.h"

uint64_t sim_splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t stream) {
  uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
  sim_splitmix64(&x); /* decorrelate neighbouring seeds */
  for (int i = 0; i < 4; i++)
    r->s[i] = sim_splitmix64(&x);
  r->has_spare = 0;
  r->spare = 0.0;
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t sim_rng_next(sim_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double sim_rng_uniform(sim_rng *r) { return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53; }

double sim_rng_gauss(sim_rng *r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  double u, v, s;
  do {
    u = 2.0 * sim_rng_uniform(r) - 1.0;
    v = 2.0 * sim_rng_uniform(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  double f = sqrt(-2.0 * log(s) / s);
  r->spare = v * f;
  r->has_spare = 1;
  return u * f;
}

int sim_rng_poisson(sim_rng *r, double lambda) {
  if (!(lambda > 0.0))
    return 0;
  if (lambda > 30.0)
    lambda = 30.0;
  double l = exp(-lambda), p = 1.0;
  int k = 0;
  do {
    k++;
    p *= sim_rng_uniform(r);
  } while (p > l);
  return k - 1;
}
