import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  ValidateNested,
  validateSync,
} from 'class-validator';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve, dirname } from 'node:path';
import { flatten } from './providers-file.js';

/** An MCP server's id: what `tools` and key limits name it by (`everything`, `everything/echo`). */
export const MCP_SERVER_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;
/** An environment variable's name: files and the API name secrets, never hold them. */
export const VARIABLE_NAME = /^[A-Z][A-Z0-9_]*$/;
/** A header name as HTTP allows it. */
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;

/** An MCP server as the operator or an admin configured it; secrets are variable names, read when connecting. */
export interface McpServerSettings {
  id: string;
  name: string;
  transport: 'stdio' | 'http';
  /** stdio: the command started (never from the API, only from MCP_SERVERS_FILE), its arguments and directory. */
  command?: string;
  args: string[];
  cwd?: string;
  /** stdio: the environment variables passed on by name (their values are this process's). */
  env: string[];
  /** http: the Streamable HTTP endpoint. */
  url?: string;
  /** http: header name → the environment variable holding its value. */
  headers: Record<string, string>;
  /** `file`: MCP_SERVERS_FILE; `api`: an admin added it (POST /api/mcp/servers). */
  origin: 'file' | 'api';
  enabled: boolean;
}

class FileMcpServer {
  @IsString()
  @Matches(MCP_SERVER_ID, { message: 'must be lower-case letters, digits and dashes (at most 40)' })
  id: string;

  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsString()
  command?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  args?: string[];

  @IsOptional()
  @IsString()
  cwd?: string;

  @IsOptional()
  @IsArray()
  @Matches(VARIABLE_NAME, { each: true, message: 'env: each must name an environment variable (A-Z, 0-9, _)' })
  env?: string[];

  @IsOptional()
  @IsString()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http:// or https:// URL' })
  url?: string;

  @IsOptional()
  @IsObject()
  headers?: Record<string, string>;
}

class McpServersFile {
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FileMcpServer)
  servers: FileMcpServer[] = [];
}

/**
 * The values of the environment variables `names` (those set), read when a server connects: the
 * settings name variables, this is where their values come from.
 */
export function variablesOf(names: Iterable<string>, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) values[name] = value;
  }
  return values;
}

/** The problems of a server's header table (name → variable), each with its place. */
export function headerProblems(headers: Record<string, unknown>, at: string): string[] {
  return Object.entries(headers).flatMap(([name, variable]) => [
    ...(HEADER_NAME.test(name) ? [] : [`${at}.${name}: not a header name`]),
    ...(typeof variable === 'string' && VARIABLE_NAME.test(variable)
      ? []
      : [`${at}.${name}: must name the environment variable holding the value (A-Z, 0-9, _), never the value`]),
  ]);
}

/**
 * Reads MCP_SERVERS_FILE: `{ "servers": [ { "id", "command", "args", "env" } | { "id", "url",
 * "headers" } ] }`. A stdio server's relative `cwd` is relative to the file. Returns the problems
 * found, each with its place.
 */
export function readMcpServersFile(path: string): { servers: McpServerSettings[]; problems: string[] } {
  const fail = (reason: string) => ({ servers: [], problems: [`MCP_SERVERS_FILE=${JSON.stringify(path)}: ${reason}`] });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return fail(error instanceof SyntaxError ? `not valid JSON (${error.message})` : 'cannot be read');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('must hold a JSON object');
  const file = plainToInstance(McpServersFile, raw);
  const problems = flatten(validateSync(file, { whitelist: true, forbidNonWhitelisted: true }));
  const seen = new Set<string>();
  const servers = (file.servers ?? []).map((s, i): McpServerSettings => {
    const at = `servers[${i}]`;
    if (seen.has(s.id)) problems.push(`${at}.id: "${s.id}" is listed twice`);
    seen.add(s.id);
    if ((s.command === undefined) === (s.url === undefined)) {
      problems.push(`${at}: give either "command" (a local server over stdio) or "url" (Streamable HTTP)`);
    }
    if (s.url !== undefined && (s.args !== undefined || s.env !== undefined || s.cwd !== undefined)) {
      problems.push(`${at}: "args", "env" and "cwd" belong to a "command" server`);
    }
    if (s.command !== undefined && s.headers !== undefined) problems.push(`${at}: "headers" belong to a "url" server`);
    problems.push(...headerProblems(s.headers ?? {}, `${at}.headers`));
    return {
      id: s.id,
      name: s.name ?? s.id,
      transport: s.command !== undefined ? 'stdio' : 'http',
      command: s.command,
      args: s.args ?? [],
      cwd: s.cwd === undefined ? undefined : isAbsolute(s.cwd) ? s.cwd : resolve(dirname(path), s.cwd),
      env: s.env ?? [],
      url: s.url,
      headers: s.headers ?? {},
      origin: 'file',
      enabled: true,
    };
  });
  return { servers, problems: problems.map((p) => `MCP_SERVERS_FILE ${path}: ${p}`) };
}
