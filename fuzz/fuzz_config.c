/*
 * fuzz_config.c: libFuzzer target for the config file parser and the
 * JSON validator behind PUT /config/validate.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi-app/cc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	json_object *o;

	config_register_all();
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	json_object_put(config_check_text(text));
	if ((o = json_tokener_parse(text)) != NULL) {
		if (json_object_is_type(o, json_type_object))
			json_object_put(config_check_json(o));
		json_object_put(o);
	}
	free(text);
	return 0;
}
