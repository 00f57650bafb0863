const REQUIRED = new WeakMap<object, readonly string[]>();

/**
 * A change body that must change something: a PATCH whose DTO carries this and sets none of
 * `fields` is a 400 (the validation pipe checks it), not a 200 that did nothing.
 */
export function RequireSome(...fields: string[]): ClassDecorator {
  return (target) => {
    REQUIRED.set(target, fields);
    NAMES.add(target.name);
  };
}

const NAMES = new Set<string>();

/** The class names of the DTOs that must set a field (their schemas get `minProperties: 1`). */
export function requireSomeNames(): ReadonlySet<string> {
  return NAMES;
}

/** The refusal for a body of `metatype` that sets none of its fields, or undefined when it is fine. */
export function nothingToChange(metatype: unknown, value: unknown): string | undefined {
  const fields = typeof metatype === 'function' ? REQUIRED.get(metatype) : undefined;
  if (fields === undefined || typeof value !== 'object' || value === null) return undefined;
  const body = value as Record<string, unknown>;
  if (fields.some((field) => body[field] !== undefined)) return undefined;
  return `The body changes nothing: set at least one of ${fields.join(', ')}`;
}
