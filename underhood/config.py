"""Config checking: one line naming the bad key, its value and what is allowed, before any job runs."""
import jsonschema
import yaml


def _where(path):
    return ".".join(str(p) for p in path) or "(top level)"


def config_error(config, schema):
    """The first schema violation as one line, or None."""
    validator = jsonschema.Draft202012Validator(schema)
    err = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if err is None:
        return None
    key = _where(err.absolute_path)
    if err.validator == "additionalProperties":
        allowed = sorted(err.schema.get("properties", {}))
        extra = sorted(set(err.instance) - set(allowed))
        return f"config: unknown key {_where(list(err.absolute_path) + [extra[0]])!r}; allowed here: {', '.join(allowed)}"
    if err.validator == "enum":
        return f"config: {key} is {err.instance!r}; allowed: {', '.join(map(str, err.validator_value))}"
    if err.validator == "type":
        return f"config: {key} is {err.instance!r} ({type(err.instance).__name__}); expected {err.validator_value}"
    if err.validator == "required":
        return f"config: {key}: {err.message}"
    return f"config: {key} is {err.instance!r}: {err.message}"


def check_config(config, schema_path):
    with open(schema_path) as f:
        schema = yaml.safe_load(f)
    msg = config_error(config, schema)
    if msg:
        raise SystemExit(msg)
