// Types for snowball-stemmers (the JavaScript port of the Snowball stemmers), which ships none.
declare module "snowball-stemmers" {
  interface SnowballStemmer {
    stem(word: string): string;
  }
  const snowball: {
    newStemmer(algorithm: string): SnowballStemmer;
    algorithms(): string[];
  };
  export default snowball;
}
