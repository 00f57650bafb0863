import { Lexer, type Token, type Tokens } from 'marked';
import type { ComponentChildren } from 'preact';

/**
 * A model's answer as Markdown, rendered to elements from marked's tokens, never to an HTML
 * string: raw HTML in an answer (a `<script>`, an `onerror`) is shown as text, and links keep only
 * http(s) and mailto addresses. So an answer cannot run code in the console.
 */
export function Markdown({ text, ...rest }: { text: string } & Record<string, unknown>) {
  const tokens = new Lexer({ gfm: true, breaks: false }).lex(text);
  return (
    <div class="markdown" {...rest}>
      {blocks(tokens)}
    </div>
  );
}

const SAFE_LINK = /^(https?:|mailto:)/i;

function blocks(tokens: Token[]): ComponentChildren[] {
  return tokens.map((token, i) => block(token, i));
}

function block(token: Token, key: number): ComponentChildren {
  switch (token.type) {
    case 'space':
    case 'def':
      return null;
    case 'heading': {
      const t = token as Tokens.Heading;
      const Tag = `h${Math.min(6, t.depth + 2)}` as 'h3';
      return <Tag key={key}>{inline(t.tokens)}</Tag>;
    }
    case 'paragraph':
      return <p key={key}>{inline((token as Tokens.Paragraph).tokens)}</p>;
    case 'code': {
      const t = token as Tokens.Code;
      return (
        <pre key={key} class="code" data-lang={t.lang || undefined}>
          <code>{t.text}</code>
        </pre>
      );
    }
    case 'blockquote':
      return <blockquote key={key}>{blocks((token as Tokens.Blockquote).tokens)}</blockquote>;
    case 'list': {
      const t = token as Tokens.List;
      const items = t.items.map((item, i) => <li key={i}>{item.loose ? blocks(item.tokens) : inline(item.tokens)}</li>);
      return t.ordered ? (
        <ol key={key} start={typeof t.start === 'number' ? t.start : undefined}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case 'table': {
      const t = token as Tokens.Table;
      return (
        <table key={key}>
          <thead>
            <tr>
              {t.header.map((cell, i) => (
                <th key={i}>{inline(cell.tokens)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {t.rows.map((row, r) => (
              <tr key={r}>
                {row.map((cell, i) => (
                  <td key={i}>{inline(cell.tokens)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      );
    }
    case 'hr':
      return <hr key={key} />;
    case 'text': {
      const t = token as Tokens.Text;
      return <p key={key}>{t.tokens ? inline(t.tokens) : t.text}</p>;
    }
    default:
      // html and anything else: its source, as text.
      return <p key={key}>{token.raw}</p>;
  }
}

function inline(tokens: Token[] | undefined): ComponentChildren[] {
  return (tokens ?? []).map((token, key) => {
    switch (token.type) {
      case 'text': {
        const t = token as Tokens.Text;
        return t.tokens ? <span key={key}>{inline(t.tokens)}</span> : t.text;
      }
      case 'escape':
        return (token as Tokens.Escape).text;
      case 'strong':
        return <strong key={key}>{inline((token as Tokens.Strong).tokens)}</strong>;
      case 'em':
        return <em key={key}>{inline((token as Tokens.Em).tokens)}</em>;
      case 'del':
        return <del key={key}>{inline((token as Tokens.Del).tokens)}</del>;
      case 'codespan':
        return <code key={key}>{(token as Tokens.Codespan).text}</code>;
      case 'br':
        return <br key={key} />;
      case 'link': {
        const t = token as Tokens.Link;
        return SAFE_LINK.test(t.href) ? (
          <a key={key} href={t.href} target="_blank" rel="noopener noreferrer">
            {inline(t.tokens)}
          </a>
        ) : (
          <span key={key}>{inline(t.tokens)}</span>
        );
      }
      case 'image': {
        // Not loaded (the console's policy allows only its own images): its description and address.
        const t = token as Tokens.Image;
        return <span key={key} class="muted">{`[image: ${t.text || t.href}]`}</span>;
      }
      default:
        return token.raw;
    }
  });
}
