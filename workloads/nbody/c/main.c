/*
 * wasmbench workload "nbody" (C): the Computer Language Benchmarks Game n-body
 * simulation of the Jovian planets. A floating-point kernel (mul, add, div, sqrt) on a
 * tiny working set: the kind of numeric loop a scientific function runs.
 *
 * Input:  env INPUT = number of steps, a decimal integer 0..100000000 (if unset:
 *         DEFAULT_STEPS); dt = 0.01.
 * Output: the total energy before and after, each printed "%.9f\n".
 *         Operation order is fixed (no FMA exists in these Wasm features), so every
 *         language computes bit-identical doubles.
 * Exit:   0 on success; 2 (message on stderr) if INPUT is invalid.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_STEPS 1000000u
#define MAX_STEPS 100000000u
#define NBODIES 5

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24

typedef struct {
    double x, y, z, vx, vy, vz, mass;
} body;

static body bodies[NBODIES] = {
    {0, 0, 0, 0, 0, 0, SOLAR_MASS},
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
     -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS},
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
     2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS},
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
     -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS},
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
     -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS},
};

static void offset_momentum(void) {
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < NBODIES; i++) {
        px += bodies[i].vx * bodies[i].mass;
        py += bodies[i].vy * bodies[i].mass;
        pz += bodies[i].vz * bodies[i].mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;
}

static double energy(void) {
    double e = 0.0;
    for (int i = 0; i < NBODIES; i++) {
        const body *b = &bodies[i];
        e += 0.5 * b->mass * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
        for (int j = i + 1; j < NBODIES; j++) {
            const body *c = &bodies[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            e -= (b->mass * c->mass) / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void advance(double dt, uint32_t steps) {
    for (uint32_t s = 0; s < steps; s++) {
        for (int i = 0; i < NBODIES; i++) {
            body *b = &bodies[i];
            for (int j = i + 1; j < NBODIES; j++) {
                body *c = &bodies[j];
                double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
                double d2 = dx * dx + dy * dy + dz * dz;
                double mag = dt / (d2 * sqrt(d2));
                double bm = b->mass * mag, cm = c->mass * mag;
                b->vx -= dx * cm;
                b->vy -= dy * cm;
                b->vz -= dz * cm;
                c->vx += dx * bm;
                c->vy += dy * bm;
                c->vz += dz * bm;
            }
        }
        for (int i = 0; i < NBODIES; i++) {
            bodies[i].x += dt * bodies[i].vx;
            bodies[i].y += dt * bodies[i].vy;
            bodies[i].z += dt * bodies[i].vz;
        }
    }
}

/* Strict decimal parse: digits only, no sign, no spaces, value <= max. */
static int parse_u32(const char *s, uint32_t max, uint32_t *out) {
    uint32_t v = 0;
    if (*s == '\0') {
        return -1;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return -1;
        }
        uint32_t d = (uint32_t)(*s - '0');
        if (v > (max - d) / 10) {
            return -1;
        }
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int main(void) {
    uint32_t steps = DEFAULT_STEPS;
    const char *input = getenv("INPUT");
    if (input != NULL && parse_u32(input, MAX_STEPS, &steps) != 0) {
        fprintf(stderr, "nbody: INPUT must be a decimal step count in 0..%u, got \"%s\"\n",
                MAX_STEPS, input);
        return 2;
    }
    offset_momentum();
    printf("%.9f\n", energy());
    advance(0.01, steps);
    printf("%.9f\n", energy());
    if (fflush(stdout) != 0) {
        perror("nbody: writing stdout");
        return 1;
    }
    return 0;
}
