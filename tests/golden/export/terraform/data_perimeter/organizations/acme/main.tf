# Written by `iamdsl export --format terraform` from data_perimeter.iam.
# Organization acme (o-a1b2c3d4e5): apply with credentials for its management account.

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
  allowed_account_ids = ["100000000001"]
}

data "aws_organizations_organization" "this" {}
