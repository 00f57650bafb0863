import { ValidateIf } from 'class-validator';

/**
 * The field may be left out. Unlike class-validator's `@IsOptional()`, a `null` is not taken for
 * "left out": it is checked like any value, so a field the document does not mark nullable refuses it.
 */
export const Optional = (): PropertyDecorator => ValidateIf((_object: object, value: unknown) => value !== undefined);
