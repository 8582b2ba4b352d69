// Passage files the corpus tests write: good rows in three languages and one bad row of each kind.
export { writeJsonl } from "../helpers.ts";

const LONG = [
  "Diabetes mellitus is a group of metabolic disorders characterised by a high blood sugar level over a prolonged period.",
  "Type 1 diabetes results from the failure of the pancreas to produce enough insulin due to loss of beta cells.",
  "Type 2 diabetes begins with insulin resistance, a condition in which cells fail to respond to insulin properly.",
].join("\n\n");

export const PASSAGES = [
  { id: "diabetes", title: "Diabetes", text: LONG, language: "en", url: "https://en.wikipedia.org/wiki/Diabetes" },
  { id: "asthma", title: "Asthma", text: "Asthma is a long-term inflammatory disease of the airways of the lungs.", language: "en" },
  { id: "polmonite", title: "Polmonite", text: "La polmonite è un'infiammazione dei polmoni che colpisce gli alveoli.", lang: "it" },
  { id: "neumonia", title: "Neumonía", text: "La neumonía es una inflamación de los pulmones causada por infecciones.", lang: "es" },
  { id: 7, title: "Appendicitis", text: "Appendicitis is inflammation of the appendix, with right lower quadrant pain." },
  { id: "no-text", title: "Nothing" },
  "{not json",
  { id: "bad-lang", text: "Some text.", language: "English" },
  { id: "bad-title", text: "Some text.", language: "en", title: 3 },
];
