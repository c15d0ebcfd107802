import { DOMParser, type Element } from '@xmldom/xmldom';
import { AlipayResponseError } from '../errors';

/** A legacy (mapi) XML answer, flattened: `<alipay><is_success>…<request>…<response>…<sign>…</alipay>`. */
export interface LegacyXmlAnswer {
  /** `is_success` is `T`. */
  isSuccess: boolean;
  /** The `<error>` code when `is_success` is `F`. */
  error: string | undefined;
  /** `<request><param name="…">…</param></request>`, as Alipay echoed it. */
  request: Record<string, string>;
  /** Leaf fields of the first element inside `<response>` (e.g. `<trade>`), in document order. */
  response: Record<string, string>;
  /** Name of the element inside `<response>` (`trade`, `alipay`, …). */
  responseElement: string | undefined;
  /** `<sign>` and `<sign_type>`, when the answer is signed. */
  sign: string | undefined;
  signType: string | undefined;
}

function children(element: Element): Element[] {
  const out: Element[] = [];
  for (let node = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1) out.push(node as Element);
  }
  return out;
}

function textOf(element: Element): string {
  return element.textContent ?? '';
}

/**
 * Parses a legacy XML answer with a real XML parser (never regular expressions). Throws
 * {@link AlipayResponseError} for anything that is not well-formed `<alipay>` XML.
 */
export function parseLegacyXml(xml: string): LegacyXmlAnswer {
  let root: Element | null;
  try {
    const doc = new DOMParser({
      onError: (level: string, message: string) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(xml, 'text/xml');
    root = doc.documentElement;
  } catch (error) {
    throw new AlipayResponseError(`the gateway answered with malformed XML: ${(error as Error).message}`);
  }
  if (root?.nodeName !== 'alipay') {
    throw new AlipayResponseError('the gateway answer is not <alipay> XML');
  }
  const answer: LegacyXmlAnswer = {
    isSuccess: false,
    error: undefined,
    request: {},
    response: {},
    responseElement: undefined,
    sign: undefined,
    signType: undefined,
  };
  for (const child of children(root)) {
    switch (child.nodeName) {
      case 'is_success':
        answer.isSuccess = textOf(child).trim() === 'T';
        break;
      case 'error':
        answer.error = textOf(child).trim();
        break;
      case 'sign':
        answer.sign = textOf(child).trim();
        break;
      case 'sign_type':
        answer.signType = textOf(child).trim();
        break;
      case 'request':
        for (const param of children(child)) {
          const name = param.getAttribute('name');
          if (name) answer.request[name] = textOf(param);
        }
        break;
      case 'response': {
        const [inner] = children(child);
        if (inner) {
          answer.responseElement = inner.nodeName;
          for (const field of children(inner)) answer.response[field.nodeName] = textOf(field);
        }
        break;
      }
    }
  }
  return answer;
}

/** The `encoding` declared by an XML prolog, e.g. `GBK`, or undefined. */
export function xmlDeclaredEncoding(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 100)).toString('latin1');
  return /<\?xml[^>]*encoding=["']([A-Za-z0-9_-]+)["']/.exec(head)?.[1];
}
