/* Loading libclang on demand (see libclang_load.h). */
#define LIBCLANG_LOADER
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include "libclang_load.h"

#ifndef LIBCLANG_PATH
#define LIBCLANG_PATH "libclang-19.so.19"
#endif

struct libclang libclang;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded = -1;

static void load(void)
{
	void *h = dlopen(LIBCLANG_PATH, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		h = dlopen("libclang-19.so.19", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "archport: the deep pass needs libclang 19 (Debian libclang-19-dev): %s\n", dlerror());
		return;
	}
#define LIBCLANG_RESOLVE(name) \
	if ((*(void **)&libclang.name = dlsym(h, #name)) == NULL) { \
		fprintf(stderr, "archport: libclang has no %s\n", #name); \
		return; \
	}
	LIBCLANG_FUNCTIONS(LIBCLANG_RESOLVE)
#undef LIBCLANG_RESOLVE
	loaded = 0;
}

int libclang_load(void)
{
	pthread_once(&once, load);
	return loaded;
}
