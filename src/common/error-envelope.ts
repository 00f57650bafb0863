import { ApiProperty } from '@nestjs/swagger';

/** The one shape of every error response. */
export class ErrorEnvelope {
  /** HTTP status code. */
  @ApiProperty({ example: 404 })
  statusCode: number;

  /** HTTP status text. */
  @ApiProperty({ example: 'Not Found' })
  error: string;

  /** What went wrong, naming the field or object concerned. */
  @ApiProperty({ example: 'session 665f1c2e8b3e4a0012345678 not found' })
  message: string;

  /** The request path. */
  @ApiProperty({ example: '/api/sessions/665f1c2e8b3e4a0012345678' })
  path: string;

  @ApiProperty({ example: '2026-11-24T10:00:00.000Z' })
  timestamp: string;

  /** Also sent as the `x-request-id` response header; quote it when reporting a problem. */
  @ApiProperty({ example: '5f0c9a58-3f9e-4ad9-9d3c-0c2a1f8e1b7d' })
  requestId: string;
}
