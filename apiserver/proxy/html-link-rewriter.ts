/**
 * Rewrites the URL-valued attributes of an HTML page served through a proxy subresource, so that a page at
 * /api/v1/namespaces/ns/services/web/proxy/ linking to `/static/app.js` links to
 * `/api/v1/namespaces/ns/services/web/proxy/static/app.js` (k8s.io/apimachinery/pkg/util/proxy transport.go
 * atomsToAttrs + rewriteHTML). Only start tags are touched, only the attributes below, and only their values:
 * everything else (text, comments, script and style bodies) is copied unchanged.
 */

/** Which attributes of which tags hold URLs (transport.go atomsToAttrs). */
const URL_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  a: ['href'],
  applet: ['codebase'],
  area: ['href'],
  audio: ['src'],
  base: ['href'],
  blockquote: ['cite'],
  body: ['background'],
  button: ['formaction'],
  command: ['icon'],
  del: ['cite'],
  embed: ['src'],
  form: ['action'],
  frame: ['longdesc', 'src'],
  head: ['profile'],
  html: ['manifest'],
  iframe: ['longdesc', 'src'],
  img: ['longdesc', 'src', 'usemap'],
  input: ['src', 'usemap', 'formaction'],
  ins: ['cite'],
  link: ['href'],
  object: ['classid', 'codebase', 'data', 'usemap'],
  q: ['cite'],
  script: ['src'],
  source: ['src'],
  video: ['poster', 'src'],
};

/** Elements whose content is raw text (no tags inside). */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'plaintext']);

const TAG_NAME = /^<([a-zA-Z][a-zA-Z0-9-]*)/;
const ATTR_NAME = /^[^\s"'>/=]+/;
const EQUALS = /^\s*=\s*/;
const UNQUOTED = /^[^\s>]*/;

/** Returns `html` with each URL attribute value passed through `rewrite`. */
export function rewriteHTMLLinks(html: string, rewrite: (url: string) => string): string {
  const lower = html.toLowerCase();
  let out = '';
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) {
      out += html.slice(i);
      break;
    }
    out += html.slice(i, lt);
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      const stop = end < 0 ? html.length : end + 3;
      out += html.slice(lt, stop);
      i = stop;
      continue;
    }
    const m = TAG_NAME.exec(html.slice(lt, lt + 128));
    if (!m || !m[1]) {
      out += '<';
      i = lt + 1;
      continue;
    }
    const tagName = m[1].toLowerCase();
    const wanted = URL_ATTRIBUTES[tagName];
    let j = lt + m[0].length;
    let tag = html.slice(lt, j);
    while (j < html.length && html[j] !== '>') {
      const ch = html[j] ?? '';
      if (/[\s/]/.test(ch)) {
        tag += ch;
        j++;
        continue;
      }
      const nm = ATTR_NAME.exec(html.slice(j, j + 256));
      if (!nm) {
        tag += ch;
        j++;
        continue;
      }
      const name = nm[0];
      tag += name;
      j += name.length;
      const eq = EQUALS.exec(html.slice(j, j + 256));
      if (!eq) continue;
      tag += eq[0];
      j += eq[0].length;
      const isURL = wanted?.includes(name.toLowerCase()) ?? false;
      const q = html[j];
      if (q === '"' || q === "'") {
        let end = html.indexOf(q, j + 1);
        if (end < 0) end = html.length;
        const value = html.slice(j + 1, end);
        tag += `${q}${isURL ? rewrite(value) : value}${q}`;
        j = Math.min(end + 1, html.length);
      } else {
        const value = UNQUOTED.exec(html.slice(j))?.[0] ?? '';
        tag += isURL ? rewrite(value) : value;
        j += value.length;
      }
    }
    if (j < html.length) {
      tag += '>';
      j++;
    }
    out += tag;
    i = j;
    if (RAW_TEXT.has(tagName) && !tag.endsWith('/>')) {
      const close = lower.indexOf(`</${tagName}`, i);
      const stop = close < 0 ? html.length : close;
      out += html.slice(i, stop);
      i = stop;
    }
  }
  return out;
}
