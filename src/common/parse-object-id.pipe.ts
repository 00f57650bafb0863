import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

export const OBJECT_ID = /^[0-9a-f]{24}$/;

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
