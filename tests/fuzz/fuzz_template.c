/* fuzz_template.c: fuzzes the template parser, and renders what parses over fixed page data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "harness.h"
#include "render.h"
#include "util.h"

/*
 * The names the real pages use, and generic ones, with every kind of value. The strings carry
 * markup (< > " ' `), which must come out escaped: such a character may reach the output only
 * if the template itself holds it.
 */
static const char markup[] = "<>\"'`";

static const char data_json[] =
    "{\"csrf_token\":\"1700043200.00112233445566778899aabbccddeeff.<x-fuzz>\","
    "\"base_url\":\"https://connector.example.com/?a=1&b=\\\"2\\\"\","
    "\"entity_id\":\"0f8fad5b-d9cb-469f-a165-70867728950e\","
    "\"disabled_reason\":\"<x-fuzz onload='x'>`gone`\","
    "\"config_name\":\"R\\u00e9lease \\\"notes\\\" <x-fuzz/> \\u2603\","
    "\"categories\":[{\"id\":\"deployments\",\"label\":\"Deploy<x-fuzz>\",\"checked\":true},"
    "{\"id\":\"incidents\",\"label\":\"Incidents &\",\"checked\":false},"
    "{\"id\":\"builds\",\"label\":\"'Builds'\",\"checked\":null}],"
    "\"status\":404,\"title\":\"Not found <x-fuzz>\",\"detail\":\"\","
    "\"ratio\":0.25,\"yes\":true,\"no\":false,\"nothing\":null,\"empty\":[],"
    "\"list\":[\"<x-fuzz>\",1,2.5,true,null,[\"nested<x-fuzz>\"],{\"a\":\"in<x-fuzz>\"}],"
    "\"obj\":{\"a\":\"<x-fuzz>\",\"b\":{\"c\":\"deep<x-fuzz>\"},\"list\":[{\"a\":\"x\"}]},"
    "\"a\":\"a<x-fuzz>\",\"b\":\"\\\"'`&<>\"}";

static struct json_object *data;

int
LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
	struct template *t;
	struct buf out;
	const char *m;
	char err[256];

	if (data == NULL && (data = json_tokener_parse(data_json)) == NULL)
		abort();
	err[0] = '\0';
	if ((t = template_parse((const char *)input, size, "fuzz.html", err, sizeof(err))) ==
	    NULL) {
		FZ_CHECK(err[0] != '\0' && fz_terminated(err, sizeof(err)));
		return 0;
	}
	buf_init(&out);
	buf_append(&out, "", 0);
	template_render(t, data, &out);
	FZ_CHECK(strlen(out.data) == out.len);
	/* Valid UTF-8 in, valid UTF-8 out: escaping never splits a character. */
	FZ_CHECK(utf8_valid(out.data, out.len));
	/* No raw output: markup from the data never reaches the page unescaped. */
	for (m = markup; *m != '\0'; m++)
		if (memchr(input, *m, size) == NULL)
			FZ_CHECK(strchr(out.data, *m) == NULL);
	buf_free(&out);
	template_free(t);
	return 0;
}
