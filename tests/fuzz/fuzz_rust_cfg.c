/* libFuzzer target: the Rust cfg predicate evaluator (analyzer/rust_cfg.c),
 * the text inside #[cfg(...)], for aarch64 with one crate feature on. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "rust_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char std_feature[] = "std";
	static char *const features[] = { std_feature };
	char *pred = malloc(size ? size : 1);
	memcpy(pred, data, size);
	struct rust_cfg_env env;
	rust_cfg_init(&env, "aarch64");
	env.features = features;
	env.nfeatures = 1;
	int too_deep = 0;
	enum tri r = rust_cfg_eval_depth(&env, pred, size, &too_deep);
	if ((r != TRI_TRUE && r != TRI_FALSE && r != TRI_UNKNOWN) || (too_deep && r != TRI_UNKNOWN))
		abort();
	rust_cfg_free(&env);
	free(pred);
	return 0;
}
