import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { Schema as MongooseSchema } from 'mongoose';

/**
 * An MCP server an admin added through the API: always reached over Streamable HTTP (an API call
 * never starts a process); its header values are named by environment variable, never stored.
 */
@Schema({ collection: 'mcp_servers', versionKey: false, minimize: false, timestamps: true })
export class McpServerRecord {
  /** The server's id, as `tools` and key limits name it. */
  @Prop({ type: String })
  _id: string;

  @Prop({ required: true })
  name: string;

  @Prop({ required: true })
  url: string;

  /** Each header's name and the environment variable holding its value (a list: a header name may hold a `.`). */
  @Prop({ type: [MongooseSchema.Types.Mixed], default: [] })
  headers: { name: string; variable: string }[];

  @Prop({ default: true })
  enabled: boolean;

  createdAt: Date;
  updatedAt: Date;
}

export const McpServerSchema = SchemaFactory.createForClass(McpServerRecord);
