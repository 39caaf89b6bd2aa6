"""A small checker for the subset of OpenAPI 3.0 schemas that
docs/openapi.json uses: $ref, type, nullable, enum, minimum, maximum,
pattern, required, properties, additionalProperties, items and oneOf.
Standard library only (python3 has no YAML module, hence a JSON spec)."""
import re


class SchemaChecker:
    def __init__(self, spec):
        self.spec = spec

    def resolve(self, schema):
        while "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            schema = self.spec["components"]["schemas"][name]
        return schema

    def errors(self, value, schema, where="$", depth=0):
        """Returns a list of messages; empty when value matches."""
        schema = self.resolve(schema)
        if depth > 4:
            return []
        if "oneOf" in schema:
            if any(not self.errors(value, s, where, depth + 1)
                   for s in schema["oneOf"]):
                return []
            return ["%s: matches none of oneOf" % where]
        if value is None:
            return [] if schema.get("nullable") else ["%s: null" % where]
        errs = []
        want = schema.get("type")
        if want and not TYPES[want](value):
            return [("%s: expected %s, got %r" % (where, want, value))[:200]]
        if "enum" in schema and value not in schema["enum"]:
            errs.append("%s: %r not in enum" % (where, value))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "minimum" in schema and value < schema["minimum"]:
                errs.append("%s: %r below minimum" % (where, value))
            if "maximum" in schema and value > schema["maximum"]:
                errs.append("%s: %r above maximum" % (where, value))
        if "pattern" in schema and isinstance(value, str) \
                and not re.search(schema["pattern"], value):
            errs.append("%s: %r does not match %s"
                        % (where, value, schema["pattern"]))
        if isinstance(value, dict):
            for name in schema.get("required", []):
                if name not in value:
                    errs.append("%s: missing required %s" % (where, name))
            props = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for name, v in value.items():
                if name in props:
                    errs += self.errors(v, props[name], where + "." + name,
                                        depth + 1)
                elif isinstance(extra, dict):
                    errs += self.errors(v, extra, where + "." + name,
                                        depth + 1)
        if isinstance(value, list) and "items" in schema:
            for i, v in enumerate(value[:50]):
                errs += self.errors(v, schema["items"],
                                    "%s[%d]" % (where, i), depth + 1)
        return errs


TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}
