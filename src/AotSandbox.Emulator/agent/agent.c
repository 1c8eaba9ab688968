/* Placeholder: the runtime helper replaces this with the in-sandbox init/agent. */
int main(void) { return 0; }
