#include "config.h"
#include <string.h>
#include "aig_common.h"
#include "tap.h"
int main(void)
{
	char id[AIG_REQUEST_ID_LEN + 1];
	ok(aig_request_id(id, NULL) == AIG_OK && strlen(id) == 32, "request id");
	return tap_done();
}
