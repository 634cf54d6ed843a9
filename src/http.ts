/** A plain-text HTTP answer: the Worker's refusals say why in their body. */
export function textResponse(status: number, body: string, headers?: Record<string, string>): Response {
  return new Response(body, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });
}
