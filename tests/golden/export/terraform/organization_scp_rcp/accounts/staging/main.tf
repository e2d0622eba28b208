# Written by `iamdsl export --format terraform` from organization_scp_rcp.iam.
# Account staging (300000000003): apply with credentials for this account.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}

provider "aws" {
  region              = "eu-west-1"
  allowed_account_ids = ["300000000003"]
}
