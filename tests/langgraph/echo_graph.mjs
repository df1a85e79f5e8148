// SPDX-License-Identifier: Apache-2.0
// The five-line echo graph the gate's LangGraph tests run: one node that answers with what it was sent.
import { StateGraph, MessagesAnnotation, START } from "@langchain/langgraph";
import { AIMessage } from "@langchain/core/messages";
const echo = (state) => ({ messages: [new AIMessage(`echo: ${state.messages.at(-1)?.content ?? ""}`)] });
export const graph = new StateGraph(MessagesAnnotation).addNode("echo", echo).addEdge(START, "echo").compile();
