import { ArgumentMetadata, BadRequestException, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { nothingToChange } from './require-some.js';

/** Flattens nested validation errors into "settings.maxIterations must not be greater than 10". */
function describe(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((text) => {
      if (text.startsWith(error.property)) return `${parent ? `${parent}.` : ''}${text}`;
      if (text.startsWith(`property ${error.property} `)) return text.replace(error.property, path);
      return `${path}: ${text}`;
    });
    return [...own, ...describe(error.children ?? [], path)];
  });
}

/** class-validator on every DTO; a body that is not a JSON object is refused as such first. */
class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Only DTO bodies are checked here; a Socket.IO handler reads its own payload (typed `unknown`).
    const isDto = metadata.type === 'body' && metadata.metatype !== undefined && metadata.metatype !== Object;
    if (!isDto) return super.transform(value, metadata);
    // No body at all reads as an empty object: routes whose fields are all optional need none.
    if (value === undefined) value = {};
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new BadRequestException('The request body must be a JSON object sent with Content-Type: application/json');
    }
    const dto = (await super.transform(value, metadata)) as unknown;
    const empty = nothingToChange(metadata.metatype, dto);
    if (empty !== undefined) throw new BadRequestException(empty);
    return dto;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new BadRequestException(describe(errors).join('; ')),
  });
}
