import { Fragment, type ReactNode } from "react";

/**
 * Fills {name} placeholders of a translated template with React elements, so a sentence keeps the word
 * order of each language: withElements(t("lastRun.startedAt"), { time: <RelativeTime … /> }).
 */
export function withElements(template: string, elements: Record<string, ReactNode>): ReactNode {
  const parts = template.split(/(\{\w+\})/);
  return parts.map((part, index) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    const content = name !== undefined && name in elements ? elements[name] : part;
    return <Fragment key={index}>{content}</Fragment>;
  });
}
