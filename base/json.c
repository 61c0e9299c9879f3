/*
 * json.c: the one set of JSON getters (semantics in base.h): missing,
 * null and wrong-type members are all "absent"; and how the process
 * writes doubles (json_out_init).
 */
#include "config.h"

#include "base.h"

static json_object *
member(json_object *o, const char *key, json_type want)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	return json_object_is_type(v, want) ? v : NULL;
}

const char *
jget_str(json_object *o, const char *key)
{
	json_object *v = member(o, key, json_type_string);

	return v ? json_object_get_string(v) : NULL;
}

int64_t
jget_int(json_object *o, const char *key, int64_t def)
{
	json_object *v = member(o, key, json_type_int);

	return v ? json_object_get_int64(v) : def;
}

double
jget_double(json_object *o, const char *key, double def)
{
	json_object *v;

	if ((v = member(o, key, json_type_double)) != NULL ||
	    (v = member(o, key, json_type_int)) != NULL)
		return json_object_get_double(v);
	return def;
}

int
jget_bool(json_object *o, const char *key, int def)
{
	json_object *v = member(o, key, json_type_boolean);

	return v ? json_object_get_boolean(v) : def;
}

json_object *
jget_obj(json_object *o, const char *key)
{
	return member(o, key, json_type_object);
}

json_object *
jget_arr(json_object *o, const char *key)
{
	return member(o, key, json_type_array);
}

int
jget_has(json_object *o, const char *key)
{
	return o != NULL && json_object_is_type(o, json_type_object) &&
	    json_object_object_get_ex(o, key, NULL);
}

/*
 * Sets how json-c writes doubles, for the whole process: "%.15g", the
 * most digits a double always holds (DBL_DIG), so a value that came from
 * a short decimal prints as that decimal (0.07, not json-c's
 * 0.070000000000000007) and one of integer value keeps json-c's ".0"
 * (100.0).  Called once at start, before any JSON is written.
 */
void
json_out_init(void)
{
	json_c_set_serialization_double_format("%.15g", JSON_C_OPTION_GLOBAL);
}
