/* docker.c: the Docker Engine API driver (in progress). */
#include "config.h"

#include "runtime.h"

const struct rt_driver rt_docker = { .name = "docker" };
