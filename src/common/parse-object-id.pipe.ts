import {
  applyDecorators,
  ArgumentMetadata,
  BadRequestException,
  Injectable,
  Param,
  PipeTransform,
} from '@nestjs/common';
import { ApiParam, ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

/** A MongoDB object id as the API takes it. */
export const OBJECT_ID = /^[0-9a-f]{24}$/;

/**
 * A body or query field that is an object id: refused with `message` otherwise, and documented
 * with its pattern (the Swagger plugin documents `@Matches` only from a literal, so it is said here).
 */
export function ObjectIdField(message: string, { optional }: { optional: boolean }): PropertyDecorator {
  return applyDecorators(
    Matches(OBJECT_ID, { message }),
    ApiProperty({ type: 'string', pattern: OBJECT_ID.source, required: !optional }),
  );
}

/** Rejects a malformed id with a 400 before it reaches the database. */
@Injectable()
export class ParseObjectIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !OBJECT_ID.test(value)) {
      throw new BadRequestException(
        `${metadata.data ?? 'id'} must be a 24-character hexadecimal id, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  }
}

/** A path parameter that is an object id: checked by ParseObjectIdPipe and documented with its pattern. */
export function ObjectIdParam(name: string): ParameterDecorator {
  return (target, key, index) => {
    Param(name, ParseObjectIdPipe)(target, key, index);
    const descriptor = Object.getOwnPropertyDescriptor(target, key as string | symbol) as PropertyDescriptor;
    ApiParam({ name, schema: { type: 'string', pattern: OBJECT_ID.source } })(
      target,
      key as string | symbol,
      descriptor,
    );
  };
}
