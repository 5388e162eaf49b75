/**
 * Email HTML → HTML that is safe to store and to render (R-IN-7 ingestion side of R-TKT-1). Applied once at
 * ingestion, so every later reader gets the same inert markup; the ticket view still renders it in a sandboxed
 * iframe (defence in depth).
 *
 * Decisions:
 * - Formatting survives: text markup, lists, tables with their legacy attributes (width, align, bgcolor, …),
 *   `<font>`, and inline styles through a property allow-list whose values are plain tokens (lengths, colours,
 *   keywords, rgb()/hsl()). No other function is accepted, so `url(…)`, `expression(…)`, `var(…)` and
 *   `image-set(…)` cannot appear; `position`, `z-index`, `behavior`, `-moz-binding` are not on the list.
 * - `<style>` blocks are removed with their content. Filtering CSS text (at-rules, `@import`, selectors that
 *   restyle the app, escapes) is a parser's job, and mail clients already inline their CSS for Gmail's sake.
 * - Images: `cid:` (inline parts, rewritten to attachment URLs at display) and `data:image/{png,jpeg,gif,webp}`
 *   stay in `src`. Remote `http(s)` sources move to `data-remote-src` and `src` is dropped: remote content is
 *   blocked by construction (no tracking pixel fires, even if the viewer's CSP were missing), and the viewer
 *   may copy it back into `src` when the user chooses "load remote images". Anything else loses its source.
 * - Links: `http`, `https` and `mailto` only; every link gets `rel="noopener noreferrer nofollow"` and
 *   `target="_blank"`.
 * - Gone with their content: script, style, head/title, noscript, template, iframe, object, embed, svg, math,
 *   forms and their controls; gone as tags: meta, base, link, and every `on*` handler, `id`, `class`.
 */
import sanitizeHtml from "sanitize-html";

const TOKEN =
  "(?:[-+]?\\d{1,6}(?:\\.\\d{1,6})?(?:px|pt|pc|em|rem|ex|ch|%|vw|vh|cm|mm|in)?" +
  "|[-+]?\\.\\d{1,6}(?:px|pt|pc|em|rem|ex|ch|%|vw|vh|cm|mm|in)?" +
  "|#[0-9a-f]{3,8}" +
  "|[a-z][a-z-]{0,30}" +
  "|(?:rgba?|hsla?)\\([\\d.%\\s,/deg]{1,60}\\))";
/** One to eight plain tokens separated by spaces or commas; no other functions, no quotes, no escapes. */
const PLAIN = new RegExp(`^${TOKEN}(?:(?:\\s*,\\s*|\\s+)${TOKEN}){0,7}$`, "i");
const FONT_FAMILY = /^[a-z0-9 ,'"_-]{1,200}$/i;

const STYLE_PROPERTIES = [
  "color",
  "background-color",
  "font-size",
  "font-weight",
  "font-style",
  "font-variant",
  "line-height",
  "letter-spacing",
  "word-spacing",
  "text-align",
  "text-decoration",
  "text-decoration-line",
  "text-transform",
  "text-indent",
  "vertical-align",
  "white-space",
  "word-break",
  "word-wrap",
  "overflow-wrap",
  "direction",
  "margin",
  "margin-top",
  "margin-right",
  "margin-bottom",
  "margin-left",
  "padding",
  "padding-top",
  "padding-right",
  "padding-bottom",
  "padding-left",
  "border",
  "border-top",
  "border-right",
  "border-bottom",
  "border-left",
  "border-color",
  "border-style",
  "border-width",
  "border-radius",
  "border-collapse",
  "border-spacing",
  "border-top-color",
  "border-right-color",
  "border-bottom-color",
  "border-left-color",
  "border-top-style",
  "border-right-style",
  "border-bottom-style",
  "border-left-style",
  "border-top-width",
  "border-right-width",
  "border-bottom-width",
  "border-left-width",
  "width",
  "height",
  "min-width",
  "max-width",
  "min-height",
  "max-height",
  "display",
  "float",
  "clear",
  "list-style-type",
  "table-layout",
  "text-overflow",
  "overflow",
];

const allowedStyles: Record<string, RegExp[]> = Object.fromEntries(STYLE_PROPERTIES.map((p) => [p, [PLAIN]]));
allowedStyles["font-family"] = [FONT_FAMILY];
// Shorthand `font: bold 12px/1.5 'Segoe UI', sans-serif`: no parentheses, colons or backslashes, so no
// function or escape can be formed.
allowedStyles.font = [/^[a-z0-9 ,.%#'"/_-]{1,200}$/i];
// `background` only in its colour form; images in backgrounds are remote content.
allowedStyles.background = [/^(?:#[0-9a-f]{3,8}|[a-z]{3,20}|(?:rgba?|hsla?)\([\d.%\s,/deg]{1,60}\))$/i];

const TABLE_ATTRS = [
  "width",
  "height",
  "align",
  "valign",
  "bgcolor",
  "border",
  "cellpadding",
  "cellspacing",
  "colspan",
  "rowspan",
  "nowrap",
  "summary",
  "abbr",
  "scope",
  "span",
];
const COMMON_ATTRS = ["style", "dir", "lang", "title", "align"];

const SAFE_DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp);base64,[a-z0-9+/=\s]+$/i;

const options: sanitizeHtml.IOptions = {
  allowedTags: [
    "a",
    "abbr",
    "address",
    "b",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
    "wbr",
    "figure",
    "figcaption",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "nav",
    "aside",
  ],
  allowedAttributes: {
    "*": COMMON_ATTRS,
    a: ["href", "name", "target", "rel"],
    img: ["src", "alt", "width", "height", "border", "hspace", "vspace", "data-remote-src"],
    font: ["color", "face", "size"],
    table: TABLE_ATTRS,
    td: TABLE_ATTRS,
    th: TABLE_ATTRS,
    tr: TABLE_ATTRS,
    tbody: TABLE_ATTRS,
    thead: TABLE_ATTRS,
    tfoot: TABLE_ATTRS,
    col: TABLE_ATTRS,
    colgroup: TABLE_ATTRS,
    ol: ["start", "type", "reversed"],
    ul: ["type"],
    li: ["value"],
    blockquote: ["cite", "type"],
    hr: ["size", "width", "noshade", "color"],
  },
  allowedSchemes: ["http", "https", "mailto"],
  allowedSchemesByTag: { img: ["cid", "data"] },
  allowedSchemesAppliedToAttributes: ["href", "src", "cite"],
  allowProtocolRelative: false,
  allowedStyles: { "*": allowedStyles },
  parseStyleAttributes: true,
  disallowedTagsMode: "discard",
  nonTextTags: [
    "script",
    "style",
    "textarea",
    "option",
    "noscript",
    "title",
    "head",
    "template",
    "iframe",
    "object",
    "embed",
    "svg",
    "math",
    "xml",
    "noembed",
    "noframes",
    "frameset",
    "select",
    "applet",
  ],
  transformTags: {
    a: (tagName, attribs) => {
      const out: sanitizeHtml.Attributes = { ...attribs, rel: "noopener noreferrer nofollow", target: "_blank" };
      return { tagName, attribs: out };
    },
    img: (tagName, attribs) => imageAttributes(tagName, attribs, null),
  },
};

/** Display-time choices for stored (already sanitised) HTML. */
export type EmailHtmlDisplay = {
  /** The data: URI of the inline part with this Content-ID, or null when there is none (or it is not an image). */
  inlineImage: (contentId: string) => string | null;
  /** The reader chose "load remote content" for this message: remote images get their source back. */
  loadRemote: boolean;
};

const REMOTE_SRC = /^https?:\/\/[^\s"'<>]+$/i;

function imageAttributes(tagName: string, attribs: sanitizeHtml.Attributes, display: EmailHtmlDisplay | null) {
  const { src, ...rest } = attribs;
  // Already-sanitised HTML keeps its blocked remote source (a second pass must not lose it).
  const kept = (rest["data-remote-src"] ?? "").trim();
  delete rest["data-remote-src"];
  const s = (src ?? "").trim();
  if (/^cid:/i.test(s)) {
    if (!display) return { tagName, attribs: { ...rest, src: s } };
    const uri = display.inlineImage(decodeURIComponent(s.slice(4)).replace(/^<|>$/g, ""));
    return { tagName, attribs: uri && SAFE_DATA_IMAGE.test(uri) ? { ...rest, src: uri } : rest };
  }
  if (SAFE_DATA_IMAGE.test(s)) return { tagName, attribs: { ...rest, src: s } };
  const remote = REMOTE_SRC.test(s) ? s : REMOTE_SRC.test(kept) ? kept : null;
  if (remote) return { tagName, attribs: display?.loadRemote ? { ...rest, src: remote } : { ...rest, "data-remote-src": remote } };
  return { tagName, attribs: rest };
}

/**
 * Sanitises an email's HTML body for storage and display. Never throws: on a sanitiser failure the result is
 * the empty string (the text part and the raw source are kept separately, so nothing is lost).
 */
export function sanitizeEmailHtml(html: string): string {
  try {
    return sanitizeHtml(html, options);
  } catch {
    return "";
  }
}

/**
 * Stored email HTML made ready for the sandboxed viewer (R-TKT-1): the same sanitiser runs again (defence in
 * depth: the stored copy may predate a rule), `cid:` images become data: URIs of the message's own inline parts,
 * and remote images stay blocked (`data-remote-src`) unless the reader asked for them. Never throws.
 */
export function renderEmailHtml(html: string, display: EmailHtmlDisplay): string {
  try {
    return sanitizeHtml(html, {
      ...options,
      allowedSchemesByTag: { img: display.loadRemote ? ["data", "http", "https"] : ["data"] },
      transformTags: { ...options.transformTags, img: (tagName, attribs) => imageAttributes(tagName, attribs, display) },
    });
  } catch {
    return "";
  }
}
