/**
 * The reply composer's Markdown (R-TKT-2) → the HTML part of the outbound message. One renderer for the composer's
 * preview and for the message that is sent, so what the technician previews is what the client gets.
 *
 * - markdown-it with `html: false`: raw HTML typed in the body is shown as text, never passed through as markup.
 *   Links are made from URLs and mail addresses as typed (linkify); single line breaks stay line breaks, as in
 *   any mail client. Images are not a Markdown feature here: a remote image in outgoing mail is remote content
 *   (and a tracking pixel), so `![alt](url)` stays text. Files go out as attachments.
 * - The rendered HTML then passes through the one sanitiser used for inbound HTML (server/mail/sanitize-html.ts):
 *   http/https/mailto links only (markdown-it already refuses javascript:, vbscript:, file: and data:), every link
 *   `rel="noopener noreferrer nofollow"`, no handler, no script.
 * - Mail clients ignore style sheets: the few styles that make quotes, code and tables readable are written inline.
 *
 * The text part of the message is the Markdown source as written (Markdown is made to read well as plain text).
 */
import MarkdownIt from "markdown-it";
import { sanitizeEmailHtml } from "../mail/sanitize-html";

const WRAPPER_STYLE = "font-family:Arial,Helvetica,sans-serif;font-size:14px;line-height:1.5;color:#1e293b";
const MONO = "font-family:Consolas,Menlo,monospace;font-size:13px";

/** Inline styles per opening tag (values pass the sanitiser's style allow-list). */
const TAG_STYLES: Record<string, string> = {
  p: "margin:0 0 1em 0",
  blockquote: "margin:0 0 1em 0;padding:0 0 0 12px;border-left:3px solid #cbd5e1;color:#475569",
  pre: `margin:0 0 1em 0;padding:8px 12px;background-color:#f1f5f9;border-radius:4px;white-space:pre-wrap;${MONO}`,
  ul: "margin:0 0 1em 0;padding-left:24px",
  ol: "margin:0 0 1em 0;padding-left:24px",
  table: "border-collapse:collapse;margin:0 0 1em 0",
  th: "border:1px solid #cbd5e1;padding:4px 8px;text-align:left;background-color:#f8fafc",
  td: "border:1px solid #cbd5e1;padding:4px 8px",
  h1: "font-size:20px;margin:0 0 0.5em 0",
  h2: "font-size:18px;margin:0 0 0.5em 0",
  h3: "font-size:16px;margin:0 0 0.5em 0",
  hr: "border:0;border-top:1px solid #cbd5e1;margin:1em 0",
};
const INLINE_CODE_STYLE = `padding:1px 4px;background-color:#f1f5f9;border-radius:3px;${MONO}`;

function createRenderer() {
  const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });
  md.disable("image");
  md.core.ruler.push("inline_mail_styles", (state) => {
    const visit = (tokens: typeof state.tokens) => {
      for (const token of tokens) {
        const style = token.type === "code_inline" ? INLINE_CODE_STYLE : TAG_STYLES[token.tag];
        if (style && token.nesting !== -1 && token.type !== "fence" && token.type !== "code_block") {
          token.attrSet("style", style);
        }
        if (token.children) visit(token.children);
      }
    };
    visit(state.tokens);
  });
  // Code blocks: the style belongs on <pre> (the default renderer puts attributes on <code>).
  md.renderer.rules.fence = (tokens, idx) =>
    `<pre style="${TAG_STYLES.pre}"><code>${md.utils.escapeHtml(tokens[idx]!.content)}</code></pre>\n`;
  md.renderer.rules.code_block = md.renderer.rules.fence;
  return md;
}

const renderer = createRenderer();

/** Longest Markdown source rendered (the composer's body limit). */
export const MAX_MARKDOWN_CHARS = 200_000;

/**
 * The composer's Markdown as sanitised HTML for the message's HTML part (and the composer's preview). Never
 * returns markup the sanitiser would not keep; never throws (a failing render yields the empty string, and the
 * text part still carries the message).
 */
export function renderReplyMarkdown(markdown: string): string {
  const source = markdown.replace(/\r\n?/g, "\n").slice(0, MAX_MARKDOWN_CHARS);
  if (!source.trim()) return "";
  let rendered: string;
  try {
    rendered = renderer.render(source);
  } catch {
    return "";
  }
  return sanitizeEmailHtml(`<div style="${WRAPPER_STYLE}">\n${rendered}</div>`);
}
