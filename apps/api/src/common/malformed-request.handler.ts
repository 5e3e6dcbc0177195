import { type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { buildProblem, PROBLEM_CONTENT_TYPE, type ProblemDetails } from './problem-details';

/**
 * Requests Node's HTTP parser refuses before any route sees them (broken chunked framing, a body longer than its
 * Content-Length, header lines it cannot read, headers over the size limit) get a coded problem like every other
 * error, instead of Node's bare "400 Bad Request" with an empty body; the connection then closes, as it must: after a
 * framing error nothing more on it can be trusted.
 */
export function answerMalformedRequests(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // A client that went away, or a response already under way on this socket (an early answer such as a 401 before
    // the body was read): a 400 written now would corrupt it. Node's own handler keeps the same guard.
    const inProgress = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (error.code === 'ECONNRESET' || !socket.writable || inProgress) {
      socket.destroy();
      return;
    }
    // A client too slow to send its request: Node's own answer (408), which is about time, not about the input.
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      socket.end('HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n', () => socket.destroy());
      return;
    }
    const problem = problemFor(error.code);
    const body = JSON.stringify(problem);
    socket.end(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      // Closed once written: nothing else on a connection whose framing broke can be trusted.
      () => socket.destroy(),
    );
  });
}

/** The statuses Node itself gives these errors (431 for headers, 413 for chunk extensions, else 400), with a code. */
function problemFor(code: string | undefined): ProblemDetails {
  if (code === 'HPE_HEADER_OVERFLOW') return buildProblem('HEADERS_TOO_LARGE', `The request's headers are larger than the server accepts (${code}).`);
  if (code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW')
    return buildProblem('PAYLOAD_TOO_LARGE', `The request's chunk extensions are larger than the server accepts (${code}).`);
  return buildProblem('VALIDATION_FAILED', `The HTTP request is malformed: the server could not parse it (${code ?? 'parse error'}).`);
}
